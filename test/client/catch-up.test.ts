import { afterEach, describe, expect, test } from "bun:test";
import { Bot, type BotOptions } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { nextStatus, record } from "../bot/helpers.ts";
import { FakeServer } from "./fake-server.ts";

const GENERAL = "#general@localhost";
const bots: Bot[] = [];

function makeBot(server: FakeServer, options: Partial<BotOptions> = {}) {
  const cursors = (options.cursors as MemoryCursorStore | undefined) ?? new MemoryCursorStore();
  const bot = new Bot({
    id: "logbot@localhost",
    topics: ["#general"],
    dialer: server.dialer,
    cursors,
    reconnect: { initial: 1, max: 5, jitter: 0 },
    ...options,
  });
  bots.push(bot);
  return { bot, cursors, rec: record(bot) };
}

afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

describe("catch-up", () => {
  test("a first start without a cursor begins live and persists the start point", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 5; i++) server.publish("#general", "alice", `old ${i}`);
    const { bot, cursors, rec } = makeBot(server);
    bot.start();
    // Our own join is seq 6, live.
    await rec.until(() => rec.seqs(GENERAL).includes(6));
    expect(rec.seqs(GENERAL)).toEqual([6]);
    expect(rec.seen[0]).toMatchObject({ kind: "join", replayed: false });
    await bot.idle();
    expect(cursors.get(GENERAL)).toBe(6);
  });

  test("backlog: N replays the last N events on a first start", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 10; i++) server.publish("#general", "alice", `old ${i}`);
    const { bot, rec } = makeBot(server, { backlog: 3 });
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(11));
    expect(rec.seqs(GENERAL)).toEqual([8, 9, 10, 11]);
    expect(rec.seen.slice(0, 3).every((s) => s.type === "event" && s.replayed)).toBe(true);
  });

  test("with a cursor, history is paged up to subscribed.seq, then live, no duplicates", async () => {
    const server = new FakeServer();
    server.historyLimit = 7;
    for (let i = 0; i < 40; i++) server.publish("#general", "alice", `m${i}`);
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 12);
    const { bot, rec } = makeBot(server, { cursors });
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(41));
    server.publish("#general", "alice", "after");
    await rec.until(() => rec.seqs(GENERAL).includes(42));
    expect(rec.seqs(GENERAL)).toEqual(Array.from({ length: 30 }, (_, i) => 13 + i));
    const histories = server.connections[0]!.requests.filter((r) => r.type === "history");
    expect(histories.map((r) => ("after" in r ? r.after : -1))).toEqual([12, 19, 26, 33]);
    const replayed = rec.seen.filter((s) => s.type === "event" && s.replayed).length;
    expect(replayed).toBe(28);
    await bot.idle();
    expect(cursors.get(GENERAL)).toBe(42);
  });

  test("live events arriving during catch-up are buffered and not duplicated", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 5; i++) server.publish("#general", "alice", `m${i}`);
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 2);
    const { bot, rec } = makeBot(server, { cursors });
    // Publish while the first history request is in flight.
    server
      .nextRequest((r) => r.type === "history")
      .then(() => {
        server.publish("#general", "bob", "during 1");
        server.publish("#general", "bob", "during 2");
      });
    bot.start();
    // 6 is our join, 7 and 8 arrive live while history is being paged.
    await rec.until(() => rec.seqs(GENERAL).includes(8));
    expect(rec.seqs(GENERAL)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  test("a seq gap in live events is filled from history", async () => {
    const server = new FakeServer();
    const { bot, rec } = makeBot(server);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    server.dropLive.add(`${GENERAL}:2`).add(`${GENERAL}:3`);
    server.publish("#general", "alice", "a");
    server.publish("#general", "alice", "b");
    server.publish("#general", "alice", "c");
    await rec.until(() => rec.seqs(GENERAL).includes(4));
    expect(rec.seqs(GENERAL)).toEqual([1, 2, 3, 4]);
    expect(rec.seen.find((s) => s.type === "event" && s.seq === 2)).toMatchObject({
      replayed: true,
      body: "a",
    });
  });

  test("events history no longer has are reported as a gap", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 20; i++) server.publish("#general", "alice", `m${i}`);
    server.retainFrom.set(GENERAL, 15);
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 5);
    const { bot, rec } = makeBot(server, { cursors });
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(21));
    expect(rec.seen[0]).toEqual({ type: "gap", topic: GENERAL, from: 6, to: 14 });
    expect(rec.seqs(GENERAL)).toEqual([15, 16, 17, 18, 19, 20, 21]);
  });

  test("history unavailable: the whole missed range is one gap", async () => {
    const server = new FakeServer();
    for (let i = 0; i < 4; i++) server.publish("#general", "alice", `m${i}`);
    server.noHistory.add(GENERAL);
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 1);
    const { bot, rec } = makeBot(server, { cursors });
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(5));
    expect(rec.seen).toMatchObject([
      { type: "gap", from: 2, to: 4 },
      { type: "event", seq: 5 },
    ]);
    await bot.idle();
    expect(cursors.get(GENERAL)).toBe(5);
  });

  test("after a cut the bot reconnects, re-subscribes and fills what it missed", async () => {
    const server = new FakeServer();
    const { bot, rec } = makeBot(server);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    const disconnected = nextStatus(bot, "disconnected");
    server.cut();
    await disconnected;
    // Published while the bot is away.
    server.publish("#general", "alice", "missed 1");
    server.publish("#general", "alice", "missed 2");
    await rec.until(() => rec.seqs(GENERAL).includes(3));
    server.publish("#general", "alice", "live again");
    await rec.until(() => rec.seqs(GENERAL).includes(4));
    expect(rec.seqs(GENERAL)).toEqual([1, 2, 3, 4]);
    expect(server.connections.length).toBe(2);
  });
});
