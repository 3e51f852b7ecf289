import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import logger, { JsonlLog, recoverLastSeq, topicFolder } from "../../src/plugins/logger.ts";
import { record } from "../bot/helpers.ts";
import { FakeServer } from "../client/fake-server.ts";

const GENERAL = "#general@localhost";
const bots: Bot[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

const tmp = () => mkdtempSync(join(tmpdir(), "scalar-logger-"));

function event(seq: number, at = new Date(Date.UTC(2026, 10, 26, 10, 0, seq))) {
  return {
    topic: GENERAL,
    seq,
    at,
    from: "alice@localhost",
    kind: "message" as const,
    body: `m${seq}`,
    contentType: undefined,
    replayed: false,
  };
}

function lines(dir: string, topic = GENERAL): Record<string, unknown>[] {
  const folder = join(dir, topicFolder(topic));
  return readdirSync(folder)
    .sort()
    .flatMap((name) =>
      readFileSync(join(folder, name), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l)),
    );
}

describe("JsonlLog", () => {
  test("one file per topic per UTC day, each line with topic, seq, at, from, kind, body", () => {
    const dir = tmp();
    const log = new JsonlLog(dir);
    log.event(event(1, new Date("2026-11-26T23:59:59.500Z")));
    log.event(event(2, new Date("2026-11-27T00:00:00.250Z")));
    log.close();
    const folder = join(dir, "%23general@localhost");
    expect(readdirSync(folder).sort()).toEqual(["2026-11-26.jsonl", "2026-11-27.jsonl"]);
    expect(JSON.parse(readFileSync(join(folder, "2026-11-26.jsonl"), "utf8"))).toEqual({
      topic: GENERAL,
      seq: 1,
      at: "2026-11-26T23:59:59.500Z",
      from: "alice@localhost",
      kind: "message",
      body: "m1",
    });
  });

  test("a seq already logged is skipped, also by a new instance (crash before the cursor)", () => {
    const dir = tmp();
    const first = new JsonlLog(dir);
    expect(first.event(event(1))).toBe(true);
    expect(first.event(event(2))).toBe(true);
    expect(first.event(event(2))).toBe(false);
    first.close();
    // The process died after writing 2 but before persisting cursor 2:
    // the runtime replays 2 from history, then 3.
    const second = new JsonlLog(dir);
    expect(second.lastLogged(GENERAL)).toBe(2);
    expect(second.event({ ...event(2), replayed: true })).toBe(false);
    expect(second.event(event(3))).toBe(true);
    second.close();
    expect(lines(dir).map((l) => l.seq)).toEqual([1, 2, 3]);
  });

  test("a torn last line is cut off and its event written again", () => {
    const dir = tmp();
    const log = new JsonlLog(dir);
    log.event(event(1));
    log.event(event(2));
    log.close();
    const file = join(dir, topicFolder(GENERAL), "2026-11-26.jsonl");
    appendFileSync(file, '{"topic":"#general@localhost","seq":3,"at":"20');
    expect(recoverLastSeq(join(dir, topicFolder(GENERAL)))).toBe(2);
    const again = new JsonlLog(dir);
    again.event(event(3));
    again.close();
    expect(lines(dir).map((l) => l.seq)).toEqual([1, 2, 3]);
  });

  test("the last seq is read from the newest day's file; gaps count as logged", () => {
    const dir = tmp();
    const folder = join(dir, topicFolder(GENERAL));
    const log = new JsonlLog(dir);
    log.event(event(1, new Date("2026-11-25T12:00:00Z")));
    log.gap({ topic: GENERAL, from: 2, to: 9 }, new Date("2026-11-26T01:00:00Z"));
    log.close();
    expect(readdirSync(folder).sort()).toEqual(["2026-11-25.jsonl", "2026-11-26.jsonl"]);
    expect(recoverLastSeq(folder)).toBe(9);
    expect(lines(dir)[1]).toEqual({ topic: GENERAL, gap: { from: 2, to: 9 } });
    writeFileSync(join(folder, "2026-11-27.jsonl"), "");
    expect(recoverLastSeq(folder)).toBe(9);
  });
});

describe("logger plugin in a bot", () => {
  function loggerBot(server: FakeServer, dir: string, cursors: MemoryCursorStore) {
    const bot = new Bot({
      id: "logbot@localhost",
      topics: ["#general"],
      dialer: server.dialer,
      cursors,
      reconnect: { initial: 1, max: 5, jitter: 0 },
    });
    bots.push(bot);
    logger.setup(bot.forPlugin("logger"), { dir, fsync: true });
    return bot;
  }

  test("logs live and replayed events exactly once across reconnects, and gaps", async () => {
    const server = new FakeServer();
    const dir = tmp();
    const cursors = new MemoryCursorStore();
    const bot = loggerBot(server, dir, cursors);
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    server.publish("#general", "alice", "one");
    await rec.until(() => rec.seqs(GENERAL).includes(2));
    server.cut();
    for (let i = 0; i < 5; i++) server.publish("#general", "alice", `away ${i}`);
    // 8 is the bot's join after it re-subscribed.
    await rec.until(() => rec.seqs(GENERAL).includes(8));
    await bot.idle();
    expect(lines(dir).map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lines(dir)[2]).toMatchObject({ body: "away 0", replayed: true });

    // Stop; history loses 9..11 to retention while the bot is away.
    await bot.stop();
    for (let i = 0; i < 5; i++) server.publish("#general", "alice", `later ${i}`);
    server.retainFrom.set(GENERAL, 12);
    const again = loggerBot(server, dir, cursors);
    const rec2 = record(again);
    again.start();
    await rec2.until(() => rec2.seqs(GENERAL).includes(14));
    await again.idle();
    const all = lines(dir);
    expect(all.filter((l) => "gap" in l)).toEqual([{ topic: GENERAL, gap: { from: 9, to: 11 } }]);
    expect(all.filter((l) => "seq" in l).map((l) => l.seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14,
    ]);
  });

  test("a crash between the write and the cursor does not duplicate", async () => {
    const server = new FakeServer();
    const dir = tmp();
    const cursors = new MemoryCursorStore();
    const bot = loggerBot(server, dir, cursors);
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(1));
    for (let i = 0; i < 3; i++) server.publish("#general", "alice", `m${i}`);
    await rec.until(() => rec.seqs(GENERAL).includes(4));
    await bot.stop();
    // Simulate the crash: the cursor on disk lags the log by two events.
    cursors.set(GENERAL, 2);
    const again = loggerBot(server, dir, cursors);
    const rec2 = record(again);
    again.start();
    await rec2.until(() => rec2.seqs(GENERAL).includes(4));
    // 5 is the join of the restarted bot.
    server.publish("#general", "alice", "new");
    await rec2.until(() => rec2.seqs(GENERAL).includes(6));
    await again.idle();
    expect(lines(dir).map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
