/**
 * A bot with plugins over the in-memory fake server, and a way to talk to
 * it: `say` publishes as a user and resolves with what the bot answered once
 * every handler has finished with that event.
 */
import { afterEach } from "bun:test";
import type { Plugin } from "../../src/bot/api.ts";
import { Bot, type BotOptions } from "../../src/bot/bot.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { type CursorStore, MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { FakeServer } from "../client/fake-server.ts";

export interface LiveBot {
  server: FakeServer;
  bot: Bot;
  clock: ManualClock;
  errors: Error[];
  /** Publishes `body` as `from` in `topic`; resolves with the bot's answers to it. */
  say(body: string, from?: string, topic?: string): Promise<string[]>;
  /** Everything the bot sent so far: `to: body`. */
  sent(): { to: string; body: string }[];
  stop(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: any plugin, whatever its options
type AnyPlugin = Plugin<any>;

export async function liveBot(
  plugins: [AnyPlugin, unknown?][],
  options: Partial<BotOptions> & { server?: FakeServer; cursors?: CursorStore } = {},
): Promise<LiveBot> {
  const server = options.server ?? new FakeServer();
  const clock =
    (options.pluginClock as ManualClock | undefined) ??
    new ManualClock(Date.UTC(2026, 10, 23, 8, 0));
  const bot = new Bot({
    id: "bot@localhost",
    topics: ["#general"],
    dialer: server.dialer,
    cursors: options.cursors ?? new MemoryCursorStore(),
    ...options,
    pluginClock: clock,
  });
  const errors: Error[] = [];
  bot.catch((error) => errors.push(error));
  const seen = new Set<string>();
  let wake: (() => void)[] = [];
  bot.on(
    "event",
    (ctx) => {
      seen.add(`${ctx.topic}:${ctx.seq}`);
      for (const w of wake.splice(0)) w();
    },
    { replayed: true, own: true },
  );
  for (const [plugin, with_] of plugins) await bot.install(plugin as Plugin<unknown>, with_);
  const subscribed = server.nextRequest((r) => r.type === "subscribe");
  bot.start();
  await subscribed;
  const sent = () =>
    server.connections
      .flatMap((c) => c.requests)
      .flatMap((r) => (r.type === "message" ? [{ to: r.to, body: r.body ?? "" }] : []));
  return {
    server,
    bot,
    clock,
    errors,
    sent,
    async say(body, from = "alice", topic = "#general") {
      const before = sent().length;
      const event = server.publish(topic, from, body);
      const key = `${event.topic}:${event.seq}`;
      while (!seen.has(key)) await new Promise<void>((r) => wake.push(r));
      await bot.idle();
      return sent()
        .slice(before)
        .map((m) => m.body);
    },
    async stop() {
      wake = [];
      await bot.stop();
    },
  };
}

/**
 * A `start` that makes a live bot and stops it after the test: call once at
 * the top of a test file.
 */
export function botsStoppedAfterEach(): (...args: Parameters<typeof liveBot>) => Promise<LiveBot> {
  const running: LiveBot[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
  });
  return async (...args) => {
    const live = await liveBot(...args);
    running.push(live);
    return live;
  };
}
