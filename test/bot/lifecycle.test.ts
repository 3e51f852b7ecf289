import { afterEach, describe, expect, test } from "bun:test";
import { Bot, type BotOptions } from "../../src/bot/bot.ts";
import { HandlerError } from "../../src/bot/errors.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { type Cursor, MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { DateTime } from "../../src/protocol/index.ts";
import { FakeServer } from "../client/fake-server.ts";
import { nextStatus, record } from "./helpers.ts";

const GENERAL = "#general@localhost";
const bots: Bot[] = [];

function makeBot(server: FakeServer, options: Partial<BotOptions> = {}) {
  const bot = new Bot({
    id: "bot@localhost",
    topics: ["#general"],
    dialer: server.dialer,
    address: server.network.address,
    cursors: new MemoryCursorStore(),
    reconnect: { initial: 1, max: 5, jitter: 0 },
    ...options,
  });
  bots.push(bot);
  return bot;
}

afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

describe("connection lifecycle", () => {
  test("server pings are answered with the same at", async () => {
    const server = new FakeServer();
    const bot = makeBot(server);
    const connected = nextStatus(bot, "connected");
    bot.start();
    await connected;
    const pong = server.nextRequest((r) => r.type === "pong");
    server.ping(server.connections[0]!, new DateTime(12345.678));
    const reply = await pong;
    expect(reply.type === "pong" && reply.at.seconds).toBe(12345.678);
  });

  test("a silent server is pinged and the link dropped when no pong comes", async () => {
    const server = new FakeServer();
    server.answerPings = false;
    const clock = new ManualClock();
    // No topics: a join arriving after our ping would count as a sign of life.
    const bot = makeBot(server, {
      clock,
      topics: [],
      keepalive: { interval: 1000, timeout: 500 },
    });
    const connected = nextStatus(bot, "connected");
    bot.start();
    await connected;
    const ping = server.nextRequest((r) => r.type === "ping");
    clock.advance(1000);
    await ping;
    const disconnected = nextStatus(bot, "disconnected");
    clock.advance(500);
    const status = await disconnected;
    expect(status.reason).toContain("no reply to ping within 500 ms");
  });

  test("an unreachable server is reported with its address and retried with backoff", async () => {
    const server = new FakeServer();
    server.network.refuse = "ECONNREFUSED";
    const clock = new ManualClock();
    const bot = makeBot(server, {
      clock,
      reconnect: { initial: 100, factor: 2, max: 300, jitter: 0 },
    });
    const delays: number[] = [];
    const reasons: string[] = [];
    let reconnecting = nextStatus(bot, "reconnecting");
    bot.start();
    for (let i = 0; i < 4; i++) {
      const status = await reconnecting;
      delays.push(status.delay);
      reasons.push(status.reason);
      reconnecting = nextStatus(bot, "reconnecting");
      await clock.waitForTimer();
      clock.advance(status.delay);
    }
    await reconnecting;
    expect(delays).toEqual([100, 200, 300, 300]);
    expect(reasons[0]).toContain("cannot connect to fake:7667");
    expect(reasons[0]).toContain("ECONNREFUSED");
    // One dial at a time: exactly one dial per attempt.
    expect(server.network.dials).toBe(5);
    server.network.refuse = undefined;
    const connected = nextStatus(bot, "connected");
    await clock.waitForTimer();
    clock.advance(1000);
    await connected;
  });

  test("jitter spreads the delay within its fraction", async () => {
    const { backoffDelay } = await import("../../src/client/backoff.ts");
    const options = { initial: 1000, factor: 2, max: 60_000, jitter: 0.5, maxAttempts: 10 };
    expect(backoffDelay(options, 1, () => 0)).toBe(500);
    expect(backoffDelay(options, 1, () => 1)).toBe(1000);
    expect(backoffDelay(options, 3, () => 0.5)).toBe(3000);
    expect(backoffDelay(options, 20, () => 1)).toBe(60_000);
  });

  test("after maxAttempts the bot gives up", async () => {
    const server = new FakeServer();
    server.network.refuse = "ECONNREFUSED";
    const bot = makeBot(server, { reconnect: { initial: 1, maxAttempts: 3, jitter: 0 } });
    const gaveUp = nextStatus(bot, "gave_up");
    bot.start();
    const status = await gaveUp;
    expect(status.attempts).toBe(3);
    expect(server.network.dials).toBe(3);
  });

  test("a refused identity gives up at once", async () => {
    const server = new FakeServer();
    const bot = makeBot(server, { token: "bad" });
    const gaveUp = nextStatus(bot, "gave_up");
    bot.start();
    expect((await gaveUp).reason).toContain("auth_failed");
  });

  test("a reconnect resets the attempt count and re-subscribes", async () => {
    const server = new FakeServer();
    const bot = makeBot(server);
    let subscribed = server.nextRequest((r) => r.type === "subscribe");
    bot.start();
    await subscribed;
    for (let i = 0; i < 3; i++) {
      subscribed = server.nextRequest((r) => r.type === "subscribe");
      server.cut();
      await subscribed;
    }
    expect(server.connections.length).toBe(4);
    for (const c of server.connections) {
      expect(c.requests.filter((r) => r.type === "subscribe").length).toBe(1);
    }
  });
});

describe("dispatch", () => {
  test("the bot's own messages skip its handlers unless asked for", async () => {
    const server = new FakeServer();
    const bot = makeBot(server);
    const rec = record(bot);
    const plain: number[] = [];
    bot.on("message", (ctx) => {
      plain.push(ctx.seq);
    });
    const connected = nextStatus(bot, "connected");
    bot.start();
    await connected;
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    await bot.send("#general", "from me");
    server.publish("#general", "alice", "from alice");
    await rec.until(() => rec.seqs(GENERAL).includes(3));
    await bot.idle();
    expect(plain).toEqual([3]);
    expect(rec.contexts.find((c) => c.seq === 2)?.own).toBe(true);
  });

  test("ownMessages: true dispatches them", async () => {
    const server = new FakeServer();
    const bot = makeBot(server, { ownMessages: true });
    const plain: number[] = [];
    bot.on("message", (ctx) => {
      plain.push(ctx.seq);
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    await bot.send("#general", "from me");
    await rec.until(() => rec.seqs(GENERAL).includes(2));
    await bot.idle();
    expect(plain).toEqual([2]);
  });

  test("responding handlers skip replayed events by default", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 3; i++) server.publish("#general", "alice", `old ${i}`);
    const bot = makeBot(server, { backlog: 10 });
    const answered: number[] = [];
    bot.on("message", (ctx) => {
      answered.push(ctx.seq);
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(4));
    server.publish("#general", "alice", "new");
    await rec.until(() => rec.seqs(GENERAL).includes(5));
    await bot.idle();
    expect(answered).toEqual([5]);
  });

  test("a throwing handler is reported with its context; the bot goes on", async () => {
    const server = new FakeServer();
    const cursors = new MemoryCursorStore();
    const bot = makeBot(server, { cursors });
    const errors: Error[] = [];
    bot.catch((error) => errors.push(error));
    bot.forPlugin("flaky").on("message", (ctx) => {
      if (ctx.body === "boom") throw new Error("kaput");
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    server.publish("#general", "alice", "boom");
    server.publish("#general", "alice", "fine");
    await rec.until(() => rec.seqs(GENERAL).includes(3));
    await bot.idle();
    expect(errors.length).toBe(1);
    const error = errors[0] as HandlerError;
    expect(error).toBeInstanceOf(HandlerError);
    expect(error.plugin).toBe("flaky");
    expect(error.context).toEqual({ topic: GENERAL, seq: 2 });
    expect(error.message).toContain("kaput");
    expect(cursors.get(GENERAL)).toBe(3);
  });

  test("handlers of a topic run one event at a time, in seq order", async () => {
    const server = new FakeServer();
    const bot = makeBot(server);
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    bot.on("message", async (ctx) => {
      log.push(`start ${ctx.seq}`);
      if (ctx.seq === 2) await gate;
      log.push(`end ${ctx.seq}`);
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    server.publish("#general", "alice", "a");
    server.publish("#general", "alice", "b");
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(["start 2"]);
    release();
    await rec.until(() => rec.seqs(GENERAL).includes(3));
    expect(log).toEqual(["start 2", "end 2", "start 3", "end 3"]);
  });

  test("stop waits for in-flight handlers and persists their cursor", async () => {
    const server = new FakeServer();
    const cursors = new MemoryCursorStore();
    const bot = makeBot(server, { cursors });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started!: () => void;
    const startedP = new Promise<void>((r) => {
      started = r;
    });
    bot.on("message", async () => {
      started();
      await gate;
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    server.publish("#general", "alice", "slow");
    await startedP;
    let stopped = false;
    const stopping = bot.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(cursors.get(GENERAL)).toBe(2);
    expect(bot.status?.type).toBe("stopped");
  });

  test("direct messages reach handlers and reply goes to the sender", async () => {
    const server = new FakeServer();
    const bot = makeBot(server);
    bot.on("message", async (ctx) => {
      if (ctx.direct) await ctx.reply(`got ${ctx.body}`);
    });
    const connected = nextStatus(bot, "connected");
    bot.start();
    await connected;
    const reply = server.nextRequest((r) => r.type === "message");
    server.publish("bot@localhost", "alice", "hi");
    expect(await reply).toMatchObject({ to: "alice@localhost", body: "got hi" });
  });

  test("many bots in one process keep their own identity and cursors", async () => {
    const server = new FakeServer();
    const a = makeBot(server, { id: "a@localhost" });
    const b = makeBot(server, { id: "b@localhost", topics: ["#dev"] });
    const ra = record(a);
    const rb = record(b);
    a.start();
    b.start();
    await ra.until(() => ra.seqs(GENERAL).includes(1));
    await rb.until(() => rb.seqs("#dev@localhost").includes(1));
    expect(ra.seen.every((s) => s.topic === GENERAL)).toBe(true);
    expect(rb.seen.every((s) => s.topic === "#dev@localhost")).toBe(true);
    expect(new Set(server.connections.map((c) => c.id))).toEqual(
      new Set(["a@localhost", "b@localhost"]),
    );
  });

  test("a refused subscription is reported and the other topics go on", async () => {
    const server = new FakeServer();
    server.forbidden.add("#secret@localhost");
    const bot = makeBot(server, { topics: ["#secret", "#general"] });
    const errors: Error[] = [];
    bot.catch((error) => errors.push(error));
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    server.publish("#general", "alice", "still here");
    await rec.until(() => rec.seqs(GENERAL).includes(2));
    expect(errors.map((e) => e.message)).toEqual([
      "bot@localhost: cannot subscribe to #secret@localhost: forbidden: not for you",
    ]);
    expect(server.connections.length).toBe(1);
  });

  test("stop does not hang on a handler waiting to send while disconnected", async () => {
    const server = new FakeServer();
    const bot = makeBot(server, { reconnect: { initial: 60_000, max: 60_000, jitter: 0 } });
    const errors: Error[] = [];
    bot.catch((error) => errors.push(error));
    let handlerStarted!: () => void;
    const started = new Promise<void>((r) => {
      handlerStarted = r;
    });
    bot.on("message", async (ctx) => {
      const disconnected = nextStatus(bot, "disconnected");
      server.cut();
      await disconnected;
      handlerStarted();
      await ctx.reply("too late");
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    server.publish("#general", "alice", "hi");
    await started;
    await bot.stop();
    expect(errors.map((e) => e.message).join("\n")).toMatch(/not connected|stopping/);
  });
});

describe("checkpoints", () => {
  /** A cursor store that records when cursors are saved. */
  class RecordingCursors extends MemoryCursorStore {
    constructor(private readonly calls: string[]) {
      super();
    }
    override setAll(cursors: ReadonlyMap<string, Cursor>): void {
      this.calls.push(`save ${[...cursors].map(([t, c]) => `${t}=${c.seq}`).join(",")}`);
      super.setAll(cursors);
    }
  }

  test("plugins make their work durable before the cursors are saved, once a burst", async () => {
    const server = new FakeServer();
    const calls: string[] = [];
    const bot = makeBot(server, { cursors: new RecordingCursors(calls) });
    const plugin = bot.forPlugin("durable");
    plugin.on("message", (ctx) => {
      calls.push(`handle ${ctx.seq}`);
    });
    plugin.onCheckpoint(() => {
      calls.push("sync");
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    await bot.idle();
    calls.length = 0;
    // Three events in one burst: handled one by one, then one checkpoint.
    server.publish("#general", "alice", "a");
    server.publish("#general", "alice", "b");
    server.publish("#general", "alice", "c");
    await rec.until(() => rec.seqs(GENERAL).includes(4));
    await bot.idle();
    expect(calls).toEqual(["handle 2", "handle 3", "handle 4", "sync", `save ${GENERAL}=4`]);
  });

  test("a failing checkpoint hook keeps the cursor back, is reported, and the events are handled again", async () => {
    const server = new FakeServer();
    const calls: string[] = [];
    const cursors = new RecordingCursors(calls);
    const bot = makeBot(server, { cursors });
    const errors: Error[] = [];
    let reported!: () => void;
    const firstError = new Promise<void>((resolve) => {
      reported = resolve;
    });
    bot.catch((error) => {
      errors.push(error);
      reported();
    });
    let failing = false;
    bot.forPlugin("disk").onCheckpoint(() => {
      if (failing) throw new Error("disk full");
    });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    await bot.idle();
    expect(cursors.get(GENERAL)).toBe(1);

    failing = true;
    server.publish("#general", "alice", "not durable");
    await firstError;
    expect(errors.map((e) => e.message)).toEqual([
      "bot@localhost: cannot save cursors (checkpoint): disk full",
    ]);
    expect(cursors.get(GENERAL)).toBe(1);

    // The bot reads again from its saved cursor: seq 2 is handed on once more.
    failing = false;
    await rec.until(() => rec.seqs(GENERAL).filter((s) => s === 2).length === 2);
    await bot.idle();
    // Seq 2 and the bot's own join on its new connection.
    expect(cursors.get(GENERAL)).toBe(3);
    await bot.stop();
  });
});
