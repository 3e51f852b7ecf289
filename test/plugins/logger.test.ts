import { afterEach, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import logger, {
  defaultFs,
  JsonlLog,
  type LoggerOptions,
  loggerOptions,
  recoverPosition,
  topicFolder,
} from "../../src/plugins/logger.ts";
import { record } from "../bot/helpers.ts";
import { FakeServer } from "../client/fake-server.ts";

const GENERAL = "#general@localhost";
const bots: Bot[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

const tmp = () => mkdtempSync(join(tmpdir(), "scalar-logger-"));
const recovered = (folder: string) => recoverPosition(defaultFs, folder).position;

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
    const folder = join(dir, "#general@localhost");
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
    expect(second.lastLogged(GENERAL)).toEqual({ epoch: undefined, seq: 2 });
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
    expect(recovered(join(dir, topicFolder(GENERAL))).seq).toBe(2);
    const again = new JsonlLog(dir);
    again.event(event(3));
    again.close();
    expect(lines(dir).map((l) => l.seq)).toEqual([1, 2, 3]);
  });

  test("the position is the newest file's last line; gaps count as logged, and no line goes in an older file", () => {
    const dir = tmp();
    const folder = join(dir, topicFolder(GENERAL));
    const log = new JsonlLog(dir);
    log.event(event(1, new Date("2026-11-25T12:00:00Z")));
    // Reported after midnight, the gap follows seq 1 in its file.
    log.gap({ topic: GENERAL, from: 2, to: 9 }, new Date("2026-11-26T01:00:00Z"));
    log.close();
    expect(readdirSync(folder)).toEqual(["2026-11-25.jsonl"]);
    expect(recovered(folder).seq).toBe(9);
    expect(lines(dir)[1]).toEqual({ topic: GENERAL, gap: { from: 2, to: 9 } });
    writeFileSync(join(folder, "2026-11-27.jsonl"), "");
    expect(recovered(folder).seq).toBe(9);
    // An event of the 26th after the (empty) file of the 27th goes in the
    // 27th's, so the newest file's last line stays the position.
    const again = new JsonlLog(dir);
    again.event(event(10, new Date("2026-11-26T02:00:00Z")));
    again.close();
    expect(readFileSync(join(folder, "2026-11-27.jsonl"), "utf8")).toContain('"seq":10');
    expect(recovered(folder).seq).toBe(10);
  });
});

describe("JsonlLog epochs", () => {
  const inEpoch = (epoch: string, seq: number) => ({ ...event(seq), epoch });

  test("lines carry their epoch, gap lines too", () => {
    const dir = tmp();
    const log = new JsonlLog(dir);
    log.event(inEpoch("e1", 1));
    log.gap({ topic: GENERAL, from: 2, to: 3, epoch: "e1" });
    log.close();
    const [first, gap] = readFileSync(join(dir, topicFolder(GENERAL), "2026-11-26.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(first).toStartWith('{"topic":"#general@localhost","epoch":"e1","seq":1,');
    expect(JSON.parse(gap!)).toEqual({ topic: GENERAL, epoch: "e1", gap: { from: 2, to: 3 } });
  });

  test("after a reset, seq 1.. of the new epoch are written though the old one went higher", () => {
    const dir = tmp();
    const log = new JsonlLog(dir);
    for (const seq of [1, 2, 3]) log.event(inEpoch("e1", seq));
    const at = new Date("2026-11-26T10:05:00Z");
    expect(log.reset({ topic: GENERAL, previousEpoch: "e1", epoch: "e2", lastSeq: 3 }, at)).toBe(
      true,
    );
    expect(log.event(inEpoch("e2", 1))).toBe(true);
    expect(log.event(inEpoch("e2", 2))).toBe(true);
    expect(log.event(inEpoch("e2", 2))).toBe(false);
    log.close();
    expect(lines(dir).map((l) => l.reset ?? `${l.epoch}:${l.seq}`)).toEqual([
      "e1:1",
      "e1:2",
      "e1:3",
      { previousEpoch: "e1", epoch: "e2", lastSeq: 3 },
      "e2:1",
      "e2:2",
    ]);
    expect(lines(dir)[3]).toEqual({
      topic: GENERAL,
      reset: { previousEpoch: "e1", epoch: "e2", lastSeq: 3 },
      at: "2026-11-26T10:05:00.000Z",
    });
  });

  test("recovery learns the epoch: a replay is skipped only in the same epoch", () => {
    const dir = tmp();
    const folder = join(dir, topicFolder(GENERAL));
    const first = new JsonlLog(dir);
    for (const seq of [1, 2, 3]) first.event(inEpoch("e1", seq));
    first.close();
    expect(recovered(folder)).toEqual({ epoch: "e1", seq: 3 });
    const second = new JsonlLog(dir);
    expect(second.event({ ...inEpoch("e1", 3), replayed: true })).toBe(false);
    // Another epoch is another event, even without a reset in between.
    expect(second.event(inEpoch("e9", 2))).toBe(true);
    second.close();
    expect(recovered(folder)).toEqual({ epoch: "e9", seq: 2 });
  });

  test("a reset announced again (crash or rewind before its cursor was saved) writes no second marker", () => {
    const dir = tmp();
    const folder = join(dir, topicFolder(GENERAL));
    const reset = { topic: GENERAL, previousEpoch: "e1", epoch: "e2", lastSeq: 3 };
    const first = new JsonlLog(dir);
    first.event(inEpoch("e1", 3));
    first.reset(reset);
    first.close();
    expect(recovered(folder)).toEqual({ epoch: "e2", seq: 0 });
    const second = new JsonlLog(dir);
    expect(second.reset(reset)).toBe(false);
    second.event(inEpoch("e2", 1));
    expect(second.reset(reset)).toBe(false);
    expect(second.event({ ...inEpoch("e2", 1), replayed: true })).toBe(false);
    second.close();
    expect(lines(dir).filter((l) => "reset" in l)).toHaveLength(1);
    expect(
      lines(dir)
        .filter((l) => l.epoch === "e2")
        .map((l) => l.seq),
    ).toEqual([1]);
  });

  test("without epochs: a reset restarts at seq 1, and one announced again is recognised", () => {
    const dir = tmp();
    const log = new JsonlLog(dir);
    for (const seq of [1, 2, 3, 4]) log.event(event(seq));
    const reset = { topic: GENERAL, lastSeq: 4 };
    expect(log.reset(reset)).toBe(true);
    expect(log.event(event(1))).toBe(true);
    expect(log.event(event(2))).toBe(true);
    // The runtime's cursor was still at 4 when it died: it resets again.
    expect(log.reset(reset)).toBe(false);
    expect(log.event({ ...event(2), replayed: true })).toBe(false);
    expect(log.event(event(3))).toBe(true);
    log.close();
    expect(lines(dir).map((l) => (l.reset ? "reset" : l.seq))).toEqual([
      1,
      2,
      3,
      4,
      "reset",
      1,
      2,
      3,
    ]);
    expect(lines(dir)[4]!.reset).toEqual({ lastSeq: 4 });
  });

  test("files written before epochs still read; the first epoch continues their numbering", () => {
    const dir = tmp();
    const folder = join(dir, topicFolder(GENERAL));
    mkdirSync(folder, { recursive: true });
    const old = [1, 2].map((seq) => JSON.stringify({ ...lineOf(seq) }));
    writeFileSync(join(folder, "2026-11-26.jsonl"), `${old.join("\n")}\n`);
    expect(recovered(folder)).toEqual({ epoch: undefined, seq: 2 });
    const log = new JsonlLog(dir);
    // The runtime's cursor (saved without an epoch) learns it: no reset.
    expect(log.event({ ...inEpoch("e1", 2), replayed: true })).toBe(false);
    expect(log.event(inEpoch("e1", 3))).toBe(true);
    log.close();
    expect(lines(dir).map((l) => `${l.epoch ?? "-"}:${l.seq}`)).toEqual(["-:1", "-:2", "e1:3"]);
  });
});

function lineOf(seq: number) {
  const e = event(seq);
  return { topic: e.topic, seq, at: e.at.toISOString(), from: e.from, kind: e.kind, body: e.body };
}

describe("logger plugin in a bot", () => {
  function loggerBot(
    server: FakeServer,
    dir: string,
    cursors: MemoryCursorStore,
    options: Partial<LoggerOptions> = {},
  ) {
    const bot = new Bot({
      id: "logbot@localhost",
      topics: ["#general"],
      dialer: server.dialer,
      cursors,
      reconnect: { initial: 1, max: 5, jitter: 0 },
    });
    bots.push(bot);
    logger.setup(bot.forPlugin("logger"), loggerOptions.parse({ dir, ...options }));
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

  test("a message that starts with [nolog] stays out of the archive, unless nolog is off", async () => {
    for (const nolog of [true, false]) {
      const server = new FakeServer();
      const dir = tmp();
      const bot = loggerBot(server, dir, new MemoryCursorStore(), { nolog });
      const rec = record(bot);
      bot.start();
      await rec.until(() => rec.seqs(GENERAL).includes(1));
      server.publish("#general", "alice", "[nolog] off the record");
      server.publish("#general", "alice", "  [NoLog] also off");
      server.publish("#general", "alice", "on the record [nolog]");
      await rec.until(() => rec.seqs(GENERAL).includes(4));
      await bot.idle();
      const bodies = lines(dir)
        .filter((l) => l.kind === "message")
        .map((l) => l.body);
      expect(bodies).toEqual(
        nolog
          ? ["on the record [nolog]"]
          : ["[nolog] off the record", "  [NoLog] also off", "on the record [nolog]"],
      );
      await bot.stop();
    }
  });

  test("retain is a duration of at least a day", () => {
    expect(loggerOptions.parse({ dir: "x", retain: "90d" }).retain).toBe("90d");
    expect(loggerOptions.safeParse({ dir: "x", retain: "12h" }).success).toBe(false);
    expect(loggerOptions.safeParse({ dir: "x", retain: "soon" }).success).toBe(false);
  });
});
