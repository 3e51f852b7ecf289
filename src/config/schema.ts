/**
 * The configuration file's one schema. It validates a loaded file and is
 * emitted as JSON Schema (`scalar schema`) for editor completion. Each
 * built-in plugin contributes the schema of its `with:` options.
 */
import { z } from "zod";
import { BUILTIN_PLUGINS } from "../plugins/builtins.ts";
import { isValidDomain, parseName } from "../protocol/index.ts";

const validName = (input: string, kinds: string[]) => {
  try {
    return kinds.includes(parseName(input, "localhost").kind);
  } catch {
    return false;
  }
};

export const topicSchema = z
  .string({ error: 'expected a topic name like "#general"' })
  .refine((t) => validName(t, ["channel", "id"]), {
    error: 'expected a topic name like "#general"',
  })
  .describe('A channel ("#general", "#dev@example.com") or an ID topic.');

export const idSchema = z
  .string({ error: 'expected an ID like "logbot@localhost"' })
  .refine((t) => validName(t, ["id"]), { error: 'expected an ID like "logbot@localhost"' })
  .describe("The bot's identity, local@domain.");

const port = z
  .number({ error: "expected a port number from 0 to 65535" })
  .int({ error: "expected a port number from 0 to 65535" })
  .min(0, { error: "expected a port number from 0 to 65535" })
  .max(65535, { error: "expected a port number from 0 to 65535" });
const host = z
  .string({ error: "expected a host name or address" })
  .min(1, { error: "expected a host name or address" });
const seconds = (what: string) =>
  z
    .number({ error: `expected ${what} in seconds` })
    .positive({ error: `expected ${what} in seconds (more than 0)` });

export const remoteServerSchema = z
  .object({
    host: host.default("127.0.0.1").describe("Server address."),
    port: port.default(7667).describe("Server port."),
  })
  .strict();

export const embeddedServerSchema = z
  .object({
    host: host.default("127.0.0.1"),
    port: port.default(7667).describe("0 takes a free port."),
    domain: z
      .string({ error: "expected a domain name like example.com" })
      .refine((d) => isValidDomain(d.toLowerCase()), {
        error: "expected a domain name like example.com (labels of a-z 0-9 - joined by dots)",
      })
      .default("localhost"),
    history: z
      .string({ error: 'expected "memory", "none" or "sqlite:PATH"' })
      .regex(/^(memory|none|sqlite:.+)$/, { error: 'expected "memory", "none" or "sqlite:PATH"' })
      .default("memory")
      .describe('"memory", "none" or "sqlite:PATH" (relative to this file).'),
    admins: z.array(idSchema, { error: "expected a list of IDs" }).optional(),
    tokens: z.string({ error: "expected a tokens file path" }).optional(),
    rate: z
      .number({ error: "expected messages a second" })
      .positive({ error: "expected messages a second (more than 0)" })
      .optional(),
    burst: z
      .number({ error: "expected a message count" })
      .int({ error: "expected a whole message count" })
      .positive({ error: "expected a message count (1 or more)" })
      .optional(),
    pingInterval: seconds("a duration").optional(),
    pingTimeout: seconds("a duration").optional(),
    motd: z.string({ error: "expected a message of the day (text)" }).optional(),
  })
  .strict()
  .describe("Runs the server inside this process.");

export const serverSchema = z.union(
  [z.object({ embedded: embeddedServerSchema }).strict(), remoteServerSchema],
  { error: "expected { host, port } of a server to connect to, or { embedded: { … } } to run one" },
);

export const httpSchema = z
  .object({
    host: host
      .default("127.0.0.1")
      .describe("Address to listen on (loopback unless you mean the network to reach it)."),
    port: port.describe(
      "Port of /healthz, /readyz, /metrics and /bots/<id>/…; 0 takes a free one.",
    ),
  })
  .strict()
  .describe("An HTTP listener for health, readiness, Prometheus metrics and plugin routes.");

export const reconnectSchema = z
  .object({
    initial: seconds("a delay").default(0.25).describe("First delay."),
    max: seconds("a delay").default(30).describe("Largest delay."),
    factor: z
      .number({ error: "expected a number of 1 or more" })
      .min(1, { error: "expected a number of 1 or more" })
      .default(2),
    jitter: z
      .number({ error: "expected a fraction from 0 to 1" })
      .min(0, { error: "expected a fraction from 0 to 1" })
      .max(1, { error: "expected a fraction from 0 to 1" })
      .default(0.2),
    maxAttempts: z
      .number({ error: "expected a count of attempts" })
      .int({ error: "expected a whole count of attempts" })
      .positive({ error: "expected a count of attempts (1 or more)" })
      .optional()
      .describe("Give up after this many failed attempts in a row (default: never)."),
  })
  .strict();

export const keepaliveSchema = z
  .object({
    interval: seconds("a duration")
      .default(30)
      .describe("Ping the server after this much silence."),
    timeout: seconds("a duration").default(10).describe("Reconnect when no reply comes in time."),
  })
  .strict();

// Every built-in, from the one list the loader uses too. test/config/load.test.ts
// and docs/config.md quote the message this makes.
const BUILTIN_HINT = Object.keys(BUILTIN_PLUGINS).join(", ");

const pluginPath = z
  .string({ error: 'expected a built-in plugin name or a path like "./bots/greeter.ts"' })
  .regex(/^(\.{1,2}\/|\/).+/, {
    error: `expected a built-in plugin (${BUILTIN_HINT}) or a path starting with ./`,
  });

export const pluginEntrySchemas = [
  ...Object.entries(BUILTIN_PLUGINS).map(([name, builtin]) =>
    z
      .object({
        use: z.literal(name),
        // Required when the plugin has options without defaults (logger's dir).
        with: builtin.options.safeParse({}).success ? builtin.options.optional() : builtin.options,
      })
      .strict(),
  ),
  z
    .object({
      use: pluginPath.describe("A TypeScript module, relative to this file."),
      with: z
        .record(z.string(), z.unknown(), { error: "expected the plugin's options as a map" })
        .optional(),
    })
    .strict(),
];

export const pluginEntrySchema = z.union(
  pluginEntrySchemas as unknown as [z.ZodTypeAny, z.ZodTypeAny],
  {
    // `plugins: [logger]` is a common slip for `plugins: [{ use: logger }]`.
    error: (issue) =>
      typeof issue.input === "string"
        ? `expected a plugin entry: write { use: ${issue.input} } (with options: { use: ${issue.input}, with: { … } })`
        : "expected a plugin entry like { use: echo, with: { … } }",
  },
);

export const botSchema = z
  .object({
    id: idSchema,
    token: z.string({ error: "expected a token (text)" }).optional(),
    topics: z.array(topicSchema, { error: "expected a list of topics" }).default([]),
    state: z
      .string({ error: "expected a folder path" })
      .min(1, { error: "expected a folder path" })
      .describe("Folder of the bot's state (cursors), relative to this file."),
    backlog: z
      .number({ error: "expected a count of events" })
      .int({ error: "expected a whole count of events" })
      .min(0, { error: "expected a count of events (0 or more)" })
      .default(0)
      .describe("On a first start, replay this many past events of each topic."),
    admins: z
      .array(idSchema, { error: "expected a list of IDs" })
      .default([])
      .describe("IDs allowed to run the bot's admin-only commands."),
    ownMessages: z
      .boolean({ error: "expected true or false" })
      .default(false)
      .describe("Dispatch the bot's own messages to its handlers."),
    reconnect: reconnectSchema.default(reconnectSchema.parse({})),
    keepalive: keepaliveSchema.default(keepaliveSchema.parse({})),
    plugins: z
      .array(pluginEntrySchema, { error: "expected a list of plugins" })
      .default([])
      .describe(
        `Each: { use: ${Object.keys(BUILTIN_PLUGINS).join(" | ")} | ./path.ts, with: { …options } }.`,
      ),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default({ host: "127.0.0.1", port: 7667 }),
    http: httpSchema.optional(),
    bots: z.array(botSchema, { error: "expected a list of bots" }).min(1, {
      error: "expected at least one bot",
    }),
  })
  .strict();

type RawConfig = z.output<typeof configSchema>;
export type PluginEntry = { use: string; with?: Record<string, unknown> | undefined };
export type BotConfig = Omit<RawConfig["bots"][number], "plugins"> & { plugins: PluginEntry[] };
export type Config = Omit<RawConfig, "bots"> & { bots: BotConfig[] };

/** The configuration's JSON Schema, for editors (yaml-language-server, VS Code). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
    title: "scalarbot configuration",
  };
}
