/**
 * Turns what a test gives (a configuration file or text, or a list of bots
 * with plugin objects) into bots the runner can start against the harness's
 * server: state under the harness's folder, fast reconnects.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { installPlugin, type Plugin } from "../bot/api.ts";
import { type LoadedPlugin, PluginLoadError } from "../bot/loader.ts";
import type { PreparedBot } from "../config/bots.ts";
import { type LoadedConfig, loadConfig, parseConfig } from "../config/load.ts";
import { loadConfiguredPlugin } from "../config/plugins.ts";
import { type BotConfig, botSchema, type Config } from "../config/schema.ts";
import { isBuiltin } from "../plugins/builtins.ts";
import { fullName } from "./match.ts";

// biome-ignore lint/suspicious/noExplicitAny: a plugin of any options type
type AnyPlugin = Plugin<any> | Plugin<any>["setup"];

/**
 * A plugin for a test bot: a plugin object (or bare setup function), a
 * built-in name (`"logger"`), a module path, or any of these with options.
 */
export type PluginSpec = AnyPlugin | string | [AnyPlugin | string, Record<string, unknown>?];

/** A bot described in code. */
export interface BotSpec {
  /** `greeter` (completed with the harness's domain) or `greeter@test.local`. */
  id: string;
  topics?: string[];
  plugins?: PluginSpec[];
  token?: string;
  /** State folder (default: `<h.dir>/state/<id>`). */
  state?: string;
  backlog?: number;
  ownMessages?: boolean;
}

/** Reconnects fast: a cut link comes back in milliseconds, not a quarter second. */
const FAST_RECONNECT = { initial: 0.005, max: 0.05, factor: 2, jitter: 0 };

export interface Setup {
  loaded: LoadedConfig;
  /** Set when plugins are given as objects; otherwise the runner loads `loaded`. */
  prepared: PreparedBot[] | undefined;
  domain: string;
  /** Server options a configuration asks for (admins, tokens, motd). */
  server: { admins?: string[]; tokens?: string; motd?: string };
}

function stateFor(dir: string, id: string): string {
  return join(dir, "state", id.replaceAll(/[^a-zA-Z0-9._@-]/g, "_"));
}

/** Bots given in code. */
export async function setupBots(bots: BotSpec[], domain: string, dir: string): Promise<Setup> {
  const prepared: PreparedBot[] = [];
  for (const [i, spec] of bots.entries()) {
    const id = fullName(spec.id, domain);
    const config = botSchema.parse({
      id,
      topics: spec.topics ?? [],
      state: spec.state ?? stateFor(dir, id),
      backlog: spec.backlog ?? 0,
      ownMessages: spec.ownMessages ?? false,
      ...(spec.token === undefined ? {} : { token: spec.token }),
      reconnect: FAST_RECONNECT,
    }) as BotConfig;
    const plugins: LoadedPlugin[] = [];
    for (const [j, plugin] of (spec.plugins ?? []).entries()) {
      plugins.push(await pluginOf(plugin, `bots[${i}].plugins[${j}]`));
    }
    config.plugins = [];
    prepared.push({ config, plugins });
  }
  const config: Config = { server: { host: "127.0.0.1", port: 0 }, bots: [] } as unknown as Config;
  return { loaded: { file: "(harness)", dir, config }, prepared, domain, server: {} };
}

async function pluginOf(spec: PluginSpec, where: string): Promise<LoadedPlugin> {
  const [use, options] = Array.isArray(spec) ? spec : [spec, undefined];
  if (typeof use === "string") {
    const path = isBuiltin(use) || isAbsolute(use) ? use : resolve(use);
    return loadConfiguredPlugin(
      { use: path, ...(options === undefined ? {} : { with: options }) },
      where,
    );
  }
  const given: Plugin<unknown> = typeof use === "function" ? { setup: use } : use;
  let checked: unknown = options ?? {};
  if (given.options !== undefined) {
    const result = given.options.safeParse(checked);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const key = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`));
      throw new PluginLoadError(`${where}.with${key.join("")}`, issue.message);
    }
    checked = result.data;
  }
  // Its setup installs the whole plugin: `start` and `stop` are hooked too.
  const plugin: Plugin<unknown> = {
    ...given,
    setup: (bot, options) => installPlugin(given, bot, options),
  };
  return { name: given.name ?? where.slice(where.indexOf("plugins")), plugin, options: checked };
}

/**
 * A configuration: a path to a file, or YAML text (its relative module paths
 * resolve against `configDir`, default the current folder).
 */
export function setupConfig(
  config: string,
  dir: string,
  options: { configDir?: string; env?: Record<string, string | undefined> } = {},
): Setup {
  const env = options.env ?? process.env;
  let loaded: LoadedConfig;
  if (!config.includes("\n") && existsSync(config)) {
    loaded = loadConfig(config, env);
  } else {
    const base = resolve(options.configDir ?? ".");
    const parsed = parseConfig(config, "(config)", env);
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
    loaded = {
      file: join(base, "(config)"),
      dir: base,
      config: {
        ...parsed,
        bots: parsed.bots.map((bot) => ({
          ...bot,
          plugins: bot.plugins.map((p) => (isBuiltin(p.use) ? p : { ...p, use: abs(p.use) })),
        })),
      },
    };
    if ("embedded" in parsed.server && parsed.server.embedded.tokens !== undefined) {
      loaded.config.server = {
        embedded: { ...parsed.server.embedded, tokens: abs(parsed.server.embedded.tokens) },
      };
    }
  }
  const server = loaded.config.server;
  const embedded = "embedded" in server ? server.embedded : undefined;
  const firstDomain = loaded.config.bots.map((b) => b.id.split("@")[1]).find((d) => d);
  const domain = embedded?.domain ?? firstDomain ?? "localhost";
  return {
    // Plugins' own relative paths (the logger's `dir`) go under the harness's folder.
    loaded: {
      file: loaded.file,
      dir,
      config: {
        ...loaded.config,
        bots: loaded.config.bots.map((bot) => ({
          ...bot,
          state: stateFor(dir, fullName(bot.id, domain)),
          reconnect: { ...FAST_RECONNECT, maxAttempts: bot.reconnect.maxAttempts },
        })),
      },
    },
    prepared: undefined,
    domain,
    server: {
      ...(embedded?.admins === undefined ? {} : { admins: embedded.admins }),
      ...(embedded?.tokens === undefined ? {} : { tokens: embedded.tokens }),
      ...(embedded?.motd === undefined ? {} : { motd: embedded.motd }),
    },
  };
}

/** Points every bot at the harness's server. */
export function withServer(setup: Setup, host: string, port: number): LoadedConfig {
  return { ...setup.loaded, config: { ...setup.loaded.config, server: { host, port } } };
}
