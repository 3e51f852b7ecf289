/**
 * What the runtime's commands do, loaded only when one of them runs.
 */

import { Bot } from "../bot/bot.ts";
import { PluginLoadError } from "../bot/loader.ts";
import { systemClock } from "../client/clock.ts";
import { Connection } from "../client/connection.ts";
import { MemoryCursorStore } from "../client/cursor-store.ts";
import { describeCause, RequestError } from "../client/errors.ts";
import { splitText } from "../client/split-text.ts";
import { describeStatus } from "../client/status.ts";
import { tcpDialer } from "../client/tcp-transport.ts";
import { ConfigError, type LoadedConfig, loadConfig } from "../config/load.ts";
import { type EventFrame, parseName, shortName } from "../protocol/index.ts";
import type { ClientFlags } from "./commands.ts";
import { clockTime, Runner } from "./runner.ts";

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

/** `scalar run`: runs until SIGINT/SIGTERM, then stops gracefully and exits 0. */
export async function runConfig(path: string): Promise<void> {
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
}

/** `scalar validate`: loads the file and its plugins, starts nothing. */
export async function validateConfig(path: string): Promise<void> {
  const runner = await prepare(path);
  const bots = runner.loaded.config.bots;
  process.stdout.write(
    `${path}: ok (${bots.length} bot${bots.length === 1 ? "" : "s"}: ${bots.map((b) => b.id).join(", ")})\n`,
  );
}

export async function sendOnce(flags: ClientFlags, topic: string, text: string): Promise<void> {
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

export async function tail(
  flags: ClientFlags & { last?: number },
  topics: string[],
): Promise<void> {
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
