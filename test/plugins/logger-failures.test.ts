/**
 * The logger on a failing disk: a write that fails is cut back and said
 * once, writing stops until the checkpoint has failed and the bot has
 * reconnected, and the events handed on again are written: none lost, none
 * twice, no torn line. Failures are injected through the logger's file
 * functions (test/plugins/faulty-fs.ts).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Log } from "../../src/bot/api.ts";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import {
  createLogger,
  defaultFs,
  JsonlLog,
  LogFileError,
  recoverPosition,
  topicFolder,
} from "../../src/plugins/logger.ts";
import { type RunningServer, silentLogger, startServer } from "../../src/server/index.ts";
import { record } from "../bot/helpers.ts";
import { faultyFs, rawLines } from "./faulty-fs.ts";

const GENERAL = "#general@localhost";
const tmp = () => mkdtempSync(join(tmpdir(), "scalar-logger-disk-"));
const folderOf = (dir: string) => join(dir, topicFolder(GENERAL));

function event(seq: number) {
  return {
    topic: GENERAL,
    epoch: "e1",
    seq,
    at: new Date(Date.UTC(2026, 10, 26, 10, 0, seq)),
    from: "alice@localhost",
    kind: "message" as const,
    body: `m${seq}`,
    contentType: undefined,
    replayed: false,
  };
}

function captureLog() {
  const said: { level: keyof Log; text: string }[] = [];
  const log: Log = {
    info: (text) => said.push({ level: "info", text }),
    warn: (text) => said.push({ level: "warn", text }),
    error: (text) => said.push({ level: "error", text }),
  };
  return { log, said, errors: () => said.filter((s) => s.level === "error").map((s) => s.text) };
}

/** The seqs of the folder's lines that parse, in file order. */
function seqs(dir: string): number[] {
  return rawLines(folderOf(dir)).flatMap((l) => {
    try {
      return [JSON.parse(l).seq as number];
    } catch {
      return [];
    }
  });
}

describe("JsonlLog on a failing disk", () => {
  test("a failed write is cut back, said once, and nothing is written until sync threw and the bot reconnected", () => {
    const dir = tmp();
    const faulty = faultyFs();
    const { log, errors } = captureLog();
    const jsonl = new JsonlLog(dir, { fs: faulty.fs, log });
    expect(jsonl.event(event(1))).toBe(true);
    expect(jsonl.event(event(2))).toBe(true);
    faulty.fullFor = 1;
    expect(jsonl.event(event(3))).toBe(false);
    expect(faulty.thrown.write).toBe(1);
    // Half of line 3 reached the disk and was cut off again.
    expect(rawLines(folderOf(dir))).toHaveLength(2);
    expect(readFileSync(join(folderOf(dir), "2026-11-26.jsonl"), "utf8")).toEndWith("}\n");
    expect(errors()).toHaveLength(1);
    const file = join(folderOf(dir), "2026-11-26.jsonl");
    expect(errors()[0]).toContain(`cannot write ${file}: ENOSPC: no space left on device`);

    // Held: no write is even tried, and nothing more is said.
    const writes = faulty.writes;
    expect(jsonl.event(event(4))).toBe(false);
    expect(jsonl.writing).toBe(false);
    expect(faulty.writes).toBe(writes);
    let thrown: unknown;
    try {
      jsonl.sync();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LogFileError);
    expect((thrown as LogFileError).code).toBe("write_failed");
    expect((thrown as LogFileError).reason).toBe("ENOSPC");
    expect((thrown as LogFileError).path).toBe(file);
    // Thrown once: the bot rewinds, and until it is connected again what
    // the old connection still hands on is not written.
    expect(() => jsonl.sync()).not.toThrow();
    expect(jsonl.event(event(4))).toBe(false);
    jsonl.reconnected();
    for (const seq of [2, 3, 4]) jsonl.event({ ...event(seq), replayed: true });
    jsonl.close();
    expect(seqs(dir)).toEqual([1, 2, 3, 4]);
    expect(errors()).toHaveLength(1);
  });

  test("the same failure again is not said again; a write that works again is", () => {
    const dir = tmp();
    const faulty = faultyFs();
    const { log, said, errors } = captureLog();
    const jsonl = new JsonlLog(dir, { fs: faulty.fs, log });
    faulty.fullFor = 3;
    for (let round = 0; round < 3; round++) {
      expect(jsonl.event(event(1))).toBe(false);
      expect(() => jsonl.sync()).toThrow(LogFileError);
      jsonl.reconnected();
    }
    expect(jsonl.event(event(1))).toBe(true);
    jsonl.close();
    expect(errors()).toHaveLength(1);
    expect(said.at(-1)).toEqual({
      level: "info",
      text: `writing ${join(folderOf(dir), "2026-11-26.jsonl")} again`,
    });
  });

  test("when the cut fails too, the next line starts on a fresh one and recovery skips the torn one", () => {
    const dir = tmp();
    const faulty = faultyFs();
    const { log, errors } = captureLog();
    const jsonl = new JsonlLog(dir, { fs: faulty.fs, log });
    jsonl.event(event(1));
    faulty.fullFor = 1;
    faulty.truncateFails = 1;
    expect(jsonl.event(event(2))).toBe(false);
    expect(errors()[0]).toContain("a partial line stays, the next line starts on a fresh one");
    expect(() => jsonl.sync()).toThrow(LogFileError);
    jsonl.reconnected();
    jsonl.event({ ...event(2), replayed: true });
    jsonl.event(event(3));
    jsonl.close();
    const raw = rawLines(folderOf(dir));
    expect(raw).toHaveLength(4);
    expect(raw[1]).toStartWith('{"topic":"#general@localhost","epoch":"e1","seq":2,');
    expect(() => JSON.parse(raw[1]!)).toThrow();
    expect(seqs(dir)).toEqual([1, 2, 3]);
    // Read back from disk, the torn line is no position.
    expect(recoverPosition(defaultFs, folderOf(dir)).position).toEqual({ epoch: "e1", seq: 3 });
  });

  test("a line whole but for its newline counts as written when the cut fails", () => {
    const dir = tmp();
    const faulty = faultyFs();
    const jsonl = new JsonlLog(dir, { fs: faulty.fs });
    jsonl.event(event(1));
    faulty.fullFor = 1;
    faulty.partial = -1;
    faulty.truncateFails = 1;
    expect(jsonl.event(event(2))).toBe(false);
    expect(jsonl.lastLogged(GENERAL)).toEqual({ epoch: "e1", seq: 2 });
    expect(() => jsonl.sync()).toThrow(LogFileError);
    jsonl.reconnected();
    expect(jsonl.event({ ...event(2), replayed: true })).toBe(false);
    expect(jsonl.event(event(3))).toBe(true);
    jsonl.close();
    expect(rawLines(folderOf(dir))).toHaveLength(3);
    expect(seqs(dir)).toEqual([1, 2, 3]);
  });

  test("an fsync that fails cuts the file back to the last good fsync, and those lines are written again", () => {
    const dir = tmp();
    const faulty = faultyFs();
    const jsonl = new JsonlLog(dir, { fs: faulty.fs });
    jsonl.event(event(1));
    jsonl.event(event(2));
    jsonl.sync();
    jsonl.event(event(3));
    jsonl.event(event(4));
    faulty.fsyncFails = 1;
    let thrown: unknown;
    try {
      jsonl.sync();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as LogFileError).code).toBe("sync_failed");
    expect((thrown as Error).message).toContain("its lines since the last fsync were cut off");
    expect(seqs(dir)).toEqual([1, 2]);
    expect(jsonl.lastLogged(GENERAL)).toEqual({ epoch: "e1", seq: 2 });
    expect(jsonl.event(event(3))).toBe(false);
    jsonl.reconnected();
    for (const seq of [3, 4, 5]) jsonl.event({ ...event(seq), replayed: seq < 5 });
    jsonl.sync();
    jsonl.close();
    expect(seqs(dir)).toEqual([1, 2, 3, 4, 5]);
  });

  test("an fsync that fails and cannot cut back keeps its lines, and they are not written twice", () => {
    const dir = tmp();
    const faulty = faultyFs();
    const jsonl = new JsonlLog(dir, { fs: faulty.fs });
    jsonl.event(event(1));
    faulty.fsyncFails = 1;
    faulty.truncateFails = 1;
    expect(() => jsonl.sync()).toThrow("cutting off its lines since the last fsync failed too");
    jsonl.reconnected();
    expect(jsonl.event({ ...event(1), replayed: true })).toBe(false);
    jsonl.event(event(2));
    jsonl.close();
    expect(seqs(dir)).toEqual([1, 2]);
  });

  test("a folder that cannot be read back holds writing like a failed write", () => {
    const dir = tmp();
    const faulty = faultyFs();
    const { log, errors } = captureLog();
    let refuse = true;
    const fs = {
      ...faulty.fs,
      readdirSync: ((path: string) => {
        if (refuse)
          throw Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), {
            code: "EACCES",
          });
        return defaultFs.readdirSync(path);
      }) as typeof faulty.fs.readdirSync,
    };
    const jsonl = new JsonlLog(dir, { fs, log });
    expect(jsonl.event(event(1))).toBe(false);
    expect(errors()[0]).toContain(`cannot read back ${folderOf(dir)}: EACCES`);
    expect(() => jsonl.sync()).toThrow(LogFileError);
    refuse = false;
    jsonl.reconnected();
    expect(jsonl.event(event(1))).toBe(true);
    jsonl.close();
    expect(seqs(dir)).toEqual([1]);
  });
});

describe("logger bot on a filling disk", () => {
  let server: RunningServer | undefined;
  const bots: Bot[] = [];
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.stop()));
    await server?.stop();
    server = undefined;
  });

  test("messages sent while writes fail are all logged once, in order, with no torn line", async () => {
    server = await startServer({
      port: 0,
      log: silentLogger,
      history: "memory",
      rate: 1000,
      burst: 1000,
    });
    const dir = tmp();
    const faulty = faultyFs();
    const { log, errors: said } = captureLog();
    const dialer = tcpDialer(server.host, server.port);
    const logbot = new Bot({
      id: "logbot@localhost",
      topics: ["#general"],
      dialer,
      cursors: new MemoryCursorStore(),
      reconnect: { initial: 1, max: 5, jitter: 0 },
      log,
    });
    const reported: Error[] = [];
    logbot.catch((error) => reported.push(error));
    bots.push(logbot);
    await logbot.install(createLogger({ fs: faulty.fs }), { dir });
    const rec = record(logbot);
    const publisher = new Bot({
      id: "alice@localhost",
      topics: ["#general"],
      dialer,
      cursors: new MemoryCursorStore(),
    });
    bots.push(publisher);
    logbot.start();
    publisher.start();
    const messages = () =>
      rawLines(folderOf(dir))
        .map((l) => JSON.parse(l))
        .filter((l) => l.kind === "message");
    // The logger starts live: wait for the publisher's join, logged.
    await rec.until(() => rec.seen.some((s) => s.type === "event" && s.from === "alice@localhost"));

    faulty.fullFor = 4;
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [reply] = await publisher.send("#general", `m${i}`);
      sent.push(reply!.seq);
    }
    await rec.until(() => messages().length >= 30);
    await logbot.idle();

    expect(faulty.thrown.write).toBe(4);
    const logged = messages();
    expect(logged.map((l) => l.body)).toEqual(sent.map((_, i) => `m${i}`));
    expect(logged.map((l) => l.seq)).toEqual(sent);
    // Every line whole: each parses, and the file ends with its newline.
    for (const line of rawLines(folderOf(dir))) expect(() => JSON.parse(line)).not.toThrow();
    for (const name of readdirSync(folderOf(dir))) {
      expect(readFileSync(join(folderOf(dir), name), "utf8")).toEndWith("\n");
    }
    const all = rawLines(folderOf(dir)).map((l) => JSON.parse(l).seq as number);
    expect(new Set(all).size).toBe(all.length);
    // The failure was said once by the logger and made the checkpoint fail.
    expect(said().filter((s) => s.includes("ENOSPC"))).toHaveLength(1);
    expect(reported.some((e) => e.message.includes("cannot save cursors"))).toBe(true);
  });
});
