/**
 * The index and the files after crashes: the index is never ahead of the
 * files (every row is a line the file holds up to the length the index
 * says, and no more), and a logger's next start catches it up with them.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Archive, ArchiveIndexer, parseQuery, prune, search } from "../../src/archive/index.ts";
import { JsonlLog, LogFileError } from "../../src/plugins/logger.ts";
import { faultyFs } from "../plugins/faulty-fs.ts";
import { checkIndex, event, GENERAL, OTHER, tmp, writeArchive } from "./helpers.ts";
import { spawnWaiting } from "./processes.ts";

function expectLevel(dir: string) {
  const check = checkIndex(dir);
  expect(check.ahead).toEqual([]);
  expect(check.indexed).toEqual(check.inFiles);
  return check;
}

describe("crash consistency", () => {
  test("written but not checkpointed (a crash before the fsync): behind, then caught up at start", () => {
    const dir = tmp("crash");
    writeArchive(dir, [{ body: "one" }]);
    const log = new JsonlLog(dir);
    log.event(event({ body: "two" }));
    log.event(event({ body: "three", topic: OTHER }));
    // The process dies here: no sync, no close.
    const before = expectLevel(dir);
    expect(before.indexed).toHaveLength(1);
    expect(before.behind).toHaveLength(2);
    new JsonlLog(dir).close();
    const after = expectLevel(dir);
    expect(after.indexed).toHaveLength(3);
    expect(after.behind).toEqual([]);
  });

  test("fsynced but the index not committed (a crash between them, or its last transaction lost): caught up at start", () => {
    const dir = tmp("crash");
    writeArchive(dir, [{ body: "one" }]);
    // Lines fsynced by a logger that kept no index: the same state.
    writeArchive(dir, [{ body: "two" }, { body: "three" }], { index: false });
    expect(expectLevel(dir).indexed).toHaveLength(1);
    new JsonlLog(dir).close();
    expect(expectLevel(dir).indexed).toHaveLength(3);
  });

  test("a failed fsync cuts the file back; the index takes in none of those lines, and the rewritten ones once", () => {
    const dir = tmp("crash");
    const faulty = faultyFs();
    const log = new JsonlLog(dir, { fs: faulty.fs });
    const e1 = event({ body: "durable" });
    log.event(e1);
    log.sync();
    const e2 = event({ body: "lost with the page cache" });
    log.event(e2);
    faulty.fsyncFails = 1;
    expect(() => log.sync()).toThrow(LogFileError);
    expect(expectLevel(dir).indexed).toHaveLength(1);
    log.reconnected();
    log.event({ ...e2, replayed: true });
    log.sync();
    const check = expectLevel(dir);
    expect(check.indexed).toHaveLength(2);
    expect(check.behind).toEqual([]);
    log.close();
  });

  test("a file cut or replaced by hand is indexed again from its start", () => {
    const dir = tmp("crash");
    writeArchive(dir, [{ body: "one" }, { body: "two" }, { body: "three" }]);
    const file = join(dir, "#general@localhost", readdirSync(join(dir, "#general@localhost"))[0]!);
    truncateSync(file, 10);
    expect(checkIndex(dir).ahead).toHaveLength(1);
    // A reader does not trust the index past the file: what the file holds is what it finds.
    new JsonlLog(dir).close();
    expect(expectLevel(dir).indexed).toHaveLength(0);
  });

  test("SIGKILLed while writing, again and again: never ahead, and level after each restart", async () => {
    const dir = tmp("crash");
    let written = 0;
    for (let round = 0; round < 4; round++) {
      const child = spawnWaiting(["test/archive/fixtures/writer.ts", dir, "0"]);
      // Past what earlier rounds wrote, then killed wherever it is.
      await child.waitFor((line) => {
        const n = Number(/^checkpoint (\d+)$/.exec(line)?.[1] ?? -1);
        return n > written + 300;
      });
      child.proc.kill("SIGKILL");
      await child.proc.exited;
      expectLevel(dir);
      written = Number(/(\d+)$/.exec(child.lines.at(-1)!)![1]);
      // The next start: level again, and nothing twice in the files.
      new JsonlLog(dir).close();
      const check = expectLevel(dir);
      expect(check.behind).toEqual([]);
      // Keys are folder/day@offset:seq; a topic's seq is there once.
      const seqs = check.indexed.map((k) => `${k.slice(0, k.indexOf("/"))} ${k.split(":").at(-1)}`);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.length).toBeGreaterThan(written);
    }
    const archive = new Archive(dir);
    const page = search(archive, { query: parseQuery("café"), limit: 5 });
    expect(page.hits).toHaveLength(5);
    archive.close();
  }, 20_000);
});

describe("a reader while the logger indexes", () => {
  // The logger's checkpoint commits while a reader is between two reads of
  // the index (just before or just after it asks what the index lacks):
  // each line must still count once, from the index or from its file.
  function indexingMidway(archive: Archive, dir: string, when: "before" | "after"): void {
    const uncovered = archive.uncovered.bind(archive);
    const commit = () => new JsonlLog(dir).close();
    archive.uncovered = (...args) => {
      if (when === "before") commit();
      const out = uncovered(...args);
      if (when === "after") commit();
      return out;
    };
  }

  /** An archive whose index holds the first body; the others are in the file only. */
  function halfIndexed(indexed: string, behind: string[], when: "before" | "after"): Archive {
    const dir = tmp("midway");
    writeArchive(dir, [{ body: indexed }]);
    writeArchive(
      dir,
      behind.map((body) => ({ body })),
      { index: false },
    );
    const archive = new Archive(dir);
    expect(archive.index).toBeDefined();
    indexingMidway(archive, dir, when);
    return archive;
  }

  test("a search finds each line once", () => {
    const archive = halfIndexed("fox one", ["fox two", "fox three"], "after");
    const page = search(archive, { query: parseQuery("fox"), limit: 10 });
    expect(page.hits.map((h) => h.body)).toEqual(["fox three", "fox two", "fox one"]);
    archive.close();
  });

  test("a topic's counts take each line once", () => {
    for (const read of ["summaries", "days"] as const) {
      const archive = halfIndexed("one", ["two", "three"], "before");
      const events =
        read === "summaries"
          ? archive.summaries()[0]!.events
          : archive.days(GENERAL).reduce((n, d) => n + d.events, 0);
      expect([read, events]).toEqual([read, 3]);
      archive.close();
    }
  });
});

describe("retention", () => {
  const DAY = 86_400_000;

  test("retain prunes old day files and their rows together; a topic's newest file stays", () => {
    const dir = tmp("retain");
    const day = (d: number) => new Date(Date.UTC(2026, 8, d, 12));
    writeArchive(dir, [
      { body: "september first", at: day(1) },
      { body: "september second", at: day(2) },
      { body: "september third", at: day(3) },
      { body: "only one, long ago", at: day(1), topic: OTHER },
    ]);
    const now = Date.UTC(2026, 8, 3, 18);
    const indexer = new ArchiveIndexer(dir);
    const removed = prune(dir, 1 * DAY, { indexer, now });
    indexer.close();
    expect(removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      "#general@localhost/2026-09-01.jsonl",
    ]);
    expect(existsSync(join(dir, "#other@localhost", "2026-09-01.jsonl"))).toBe(true);
    expect(expectLevel(dir).indexed).toHaveLength(3);
    const archive = new Archive(dir);
    expect(
      search(archive, { query: parseQuery("september"), limit: 10 }).hits.map((h) => h.body),
    ).toEqual(["september third", "september second"]);
    archive.close();
  });

  test("a crash between dropping the rows and deleting the file leaves the index behind, never ahead", () => {
    const dir = tmp("retain");
    writeArchive(dir, [
      { body: "old", at: new Date(Date.UTC(2026, 0, 1)) },
      { body: "new", at: new Date(Date.UTC(2026, 5, 1)) },
    ]);
    const indexer = new ArchiveIndexer(dir);
    indexer.drop("#general@localhost", "2026-01-01");
    indexer.close();
    // The process died before the unlink.
    expect(expectLevel(dir).behind).toEqual(["#general@localhost/2026-01-01"]);
    const log = new JsonlLog(dir, { retainMs: 90 * DAY });
    log.close();
    expect(existsSync(join(dir, "#general@localhost", "2026-01-01.jsonl"))).toBe(false);
    const check = expectLevel(dir);
    expect(check.indexed).toHaveLength(1);
    expect(check.behind).toEqual([]);
  });
});

describe("two loggers on one folder", () => {
  test("the second leaves the first one's topics to it", () => {
    const dir = tmp("shared");
    writeArchive(dir, [{ body: "general" }, { body: "other", topic: OTHER }]);
    const first = new JsonlLog(dir);
    first.event(event({ body: "not synced yet", topic: OTHER }));
    // A process that runs, registered as a writer of the folder.
    writeFileSync(join(dir, ".index", "writers", String(process.ppid)), "");
    const second = new JsonlLog(dir);
    second.event(event({ body: "second's", topic: GENERAL }));
    second.sync();
    // The first logger's unsynced line is not indexed by the second.
    const check = checkIndex(dir);
    expect(check.ahead).toEqual([]);
    expect(check.behind).toEqual(["#other@localhost/2026-12-01"]);
    second.close();
    first.close();
    expect(expectLevel(dir).behind).toEqual([]);
  });
});
