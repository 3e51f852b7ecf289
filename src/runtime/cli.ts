/**
 * The runtime's commands: `run`, `validate`, `schema`, `send`, `tail`.
 * Usage errors (bad flags, an invalid configuration) print one line per
 * problem and exit with status 2.
 */
import { type Command, InvalidArgumentError } from "commander";
import { ConfigError, type LoadedConfig, loadConfig } from "../config/load.ts";
import { configJsonSchema } from "../config/schema.ts";
import { PluginLoadError } from "../plugins/loader.ts";
import { type EventFrame, parseId, parseName, shortName } from "../protocol/index.ts";
import { Bot } from "./bot.ts";
import { systemClock } from "./clock.ts";
import { Connection } from "./connection.ts";
import { MemoryCursorStore } from "./cursor-store.ts";
import { describeCause, RequestError } from "./errors.ts";
import { clockTime, Runner } from "./runner.ts";
import { splitText } from "./split-text.ts";
import { describeStatus } from "./status.ts";
import { tcpDialer } from "./tcp-transport.ts";

interface ClientFlags {
  host: string;
  port: number;
  as?: string;
  token?: string;
}

function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
    throw new InvalidArgumentError("expected a port number from 1 to 65535");
  }
  return n;
}

function idArg(value: string): string {
  try {
    parseId(value, "localhost");
  } catch {
    throw new InvalidArgumentError('expected an ID like "alice" or "alice@localhost"');
  }
  return value;
}

function topicArg(value: string): string {
  try {
    parseName(value, "localhost");
  } catch {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a topic name (like "#general")`,
    );
  }
  return value;
}

function usageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Loads a configuration and its plugins, or prints every problem and exits 2. */
async function prepare(path: string): Promise<Runner> {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) usageError(error.message);
    throw error;
  }
  try {
    return await Runner.prepare(loaded);
  } catch (error) {
    if (error instanceof PluginLoadError) usageError(`${path}: ${error.message}`);
    throw error;
  }
}

function clientOptions(command: Command): Command {
  return command
    .option("--host <host>", "server address", "127.0.0.1")
    .option("--port <port>", "server port", portArg, 7667)
    .option("--token <token>", "token for token-mode servers (default $SCALAR_TOKEN)");
}

export function registerRuntimeCommands(program: Command): void {
  program
    .command("run")
    .description("run the bots of a configuration file until SIGINT/SIGTERM")
    .argument("<config>", "configuration file (YAML)")
    .action(async (path: string) => {
      const runner = await prepare(path);
      try {
        await runner.start();
      } catch (error) {
        await runner.stop().catch(() => {});
        fail(`${path}: cannot start: ${describeCause(error)}`);
      }
      await new Promise<void>((resolve) => {
        const onSignal = (signal: string) => {
          process.stdout.write(`${clockTime()} runner: ${signal}, stopping\n`);
          runner.stop().then(resolve, resolve);
        };
        process.once("SIGINT", () => onSignal("SIGINT"));
        process.once("SIGTERM", () => onSignal("SIGTERM"));
      });
      process.exit(0);
    });

  program
    .command("validate")
    .description("check a configuration file and its plugins without starting anything")
    .argument("<config>", "configuration file (YAML)")
    .action(async (path: string) => {
      const runner = await prepare(path);
      const bots = runner.loaded.config.bots;
      process.stdout.write(
        `${path}: ok (${bots.length} bot${bots.length === 1 ? "" : "s"}: ${bots.map((b) => b.id).join(", ")})\n`,
      );
    });

  program
    .command("schema")
    .description("print the configuration's JSON Schema (for editor completion)")
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  clientOptions(
    program
      .command("send")
      .description("send one message and exit")
      .requiredOption("--as <id>", "the ID to send as", idArg)
      .argument("<topic>", "where to send (#channel or an ID)", topicArg)
      .argument("<text>", "the message"),
  ).action(async (topic: string, text: string, flags: ClientFlags) => {
    await sendOnce(flags, topic, text);
  });

  clientOptions(
    program
      .command("tail")
      .description("follow topics live: HH:MM:SS #topic <from> body")
      .option("--as <id>", "the ID to read as (default tail-PID)", idArg)
      .option("--last <n>", "also show the last N events of each topic", (v) => {
        if (!/^\d+$/.test(v)) throw new InvalidArgumentError("expected a count");
        return Number(v);
      })
      .argument("<topics...>", "topics to follow", (v: string, prev: string[] = []) => [
        ...prev,
        topicArg(v),
      ]),
  ).action(async (topics: string[], flags: ClientFlags & { last?: number }) => {
    await tail(flags, topics);
  });
}

async function sendOnce(flags: ClientFlags, topic: string, text: string): Promise<void> {
  const address = `${flags.host}:${flags.port}`;
  let closedReason: Error | undefined;
  let connection: Connection;
  try {
    connection = await Connection.open(tcpDialer(flags.host, flags.port), {
      clock: systemClock,
      onEvent: () => {},
      onClose: (reason) => {
        closedReason = reason;
      },
    });
  } catch (error) {
    fail(`scalar send: ${describeCause(error)}`);
  }
  try {
    const token = flags.token ?? process.env.SCALAR_TOKEN;
    const welcome = await connection.request({
      type: "identify",
      id: flags.as!,
      ...(token === undefined ? {} : { token }),
      agent: "scalar-send",
    });
    const full = parseName(topic, welcome.server);
    if (full.kind === "channel") await connection.request({ type: "subscribe", topic: full.full });
    for (const body of splitText(text)) {
      const sent = await connection.request({ type: "message", to: full.full, body });
      process.stdout.write(`sent ${shortName(sent.topic, welcome.server)} seq ${sent.seq}\n`);
    }
  } catch (error) {
    const why =
      error instanceof RequestError ? `${error.code}: ${error.message}` : describeCause(error);
    fail(
      `scalar send: ${address}: ${closedReason && !(error instanceof RequestError) ? describeCause(closedReason) : why}`,
    );
  } finally {
    connection.close();
  }
}

/** One readable line for an event. */
export function formatTailLine(
  event: Pick<EventFrame, "topic" | "from" | "kind" | "body"> & { at: Date },
  domain: string,
): string {
  const time = clockTime(event.at);
  const topic = shortName(event.topic, domain);
  const from = shortName(event.from, domain);
  if (event.kind === "join") return `${time} ${topic} * ${from} joined`;
  if (event.kind === "leave") return `${time} ${topic} * ${from} left`;
  return `${time} ${topic} <${from}> ${event.body ?? ""}`;
}

async function tail(flags: ClientFlags & { last?: number }, topics: string[]): Promise<void> {
  const token = flags.token ?? process.env.SCALAR_TOKEN;
  let domain = "";
  const bot = new Bot({
    id: flags.as ?? `tail-${process.pid}`,
    ...(token === undefined ? {} : { token }),
    topics,
    dialer: tcpDialer(flags.host, flags.port),
    address: `${flags.host}:${flags.port}`,
    cursors: new MemoryCursorStore(),
    backlog: flags.last ?? 0,
    ownMessages: true,
    reconnect: { initial: 250, max: 5000 },
    keepalive: { interval: 30_000, timeout: 10_000 },
  });
  bot.catch((error) => process.stderr.write(`${describeCause(error)}\n`));
  bot.on("status", ({ status }) => {
    if (status.type === "connected") domain = status.server;
    process.stderr.write(`${clockTime()} ${describeStatus(status)}\n`);
    if (status.type === "gave_up") process.exit(1);
  });
  bot.on(
    "event",
    (ctx) => {
      process.stdout.write(`${formatTailLine(ctx, domain)}\n`);
    },
    { replayed: true, own: true },
  );
  bot.on("gap", (ctx) => {
    process.stdout.write(
      `${clockTime()} ${shortName(ctx.topic, domain)} -- seq ${ctx.from}..${ctx.to} missing (${ctx.reason})\n`,
    );
  });
  bot.start();
  await new Promise<void>((resolve) => {
    const stop = () => bot.stop().then(resolve, resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.exit(0);
}
