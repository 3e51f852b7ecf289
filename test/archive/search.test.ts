/**
 * The archive read back: the index written by the logger, word and
 * substring search with filters, orders and pages, and what the index does
 * not hold yet read from the files — so a search finds every line whatever
 * the index's state, also in an archive without one.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Archive, indexPath, parseQuery, search } from "../../src/archive/index.ts";
import { eventTags, writtenSenderTag } from "../../src/archive/tags.ts";
import { JsonlLog } from "../../src/plugins/logger.ts";
import { checkIndex, event, GENERAL, OTHER, tmp, writeArchive } from "./helpers.ts";

const bodies = (page: { hits: { body: string }[] }) => page.hits.map((h) => h.body);

function sample(): string {
  const dir = tmp();
  writeArchive(dir, [
    { body: "the quick brown fox" },
    { body: "a lazy dog", from: "bob@localhost" },
    { body: "Un café au lait, s'il vous plaît" },
    { body: "<script>alert(1)</script> fox", topic: OTHER, from: "bob@localhost" },
    { body: "brown foxes are not brown fox", topic: OTHER, from: "carol@localhost" },
    { body: "", kind: "join", from: "dave@localhost" },
  ]);
  return dir;
}

describe("search", () => {
  test("words in any order, newest first; the index holds every event line and no more", () => {
    const dir = sample();
    expect(existsSync(indexPath(dir))).toBe(true);
    const check = checkIndex(dir);
    expect(check.indexed).toHaveLength(6);
    expect(check.indexed).toEqual(check.inFiles);
    expect(check.behind).toEqual([]);
    const archive = new Archive(dir);
    const page = search(archive, { query: parseQuery("fox brown"), limit: 10 });
    expect(bodies(page)).toEqual(["brown foxes are not brown fox", "the quick brown fox"]);
    expect(page.hits[1]).toMatchObject({
      topic: GENERAL,
      seq: 1,
      from: "alice@localhost",
      kind: "message",
      epoch: "e1",
    });
    expect(page.next).toBeUndefined();
    archive.close();
  });

  test("diacritics and case fold: cafe finds café; snippets escape the body and mark hits", () => {
    const archive = new Archive(sample());
    expect(bodies(search(archive, { query: parseQuery("CAFE"), limit: 10 }))).toEqual([
      "Un café au lait, s'il vous plaît",
    ]);
    const [hit] = search(archive, { query: parseQuery("alert"), limit: 10 }).hits;
    expect(hit!.body).toBe("<script>alert(1)</script> fox");
    expect(hit!.snippet).toBe("&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; fox");
    archive.close();
  });

  test("phrases, prefixes and exclusions", () => {
    const archive = new Archive(sample());
    const q = (text: string) => bodies(search(archive, { query: parseQuery(text), limit: 10 }));
    expect(q('"brown fox"')).toEqual(["brown foxes are not brown fox", "the quick brown fox"]);
    expect(q('"quick brown"')).toEqual(["the quick brown fox"]);
    expect(q("foxe*")).toEqual(["brown foxes are not brown fox"]);
    expect(q("fox -quick")).toEqual([
      "brown foxes are not brown fox",
      "<script>alert(1)</script> fox",
    ]);
    archive.close();
  });

  test("filters: topics, sender (short or full), kinds, time range", () => {
    const dir = sample();
    const archive = new Archive(dir);
    const fox = parseQuery("fox");
    const other = archive.resolveTopics(["#other"]);
    expect(other).toEqual([OTHER]);
    expect(bodies(search(archive, { query: fox, topics: other, from: "bob", limit: 10 }))).toEqual([
      "<script>alert(1)</script> fox",
    ]);
    expect(bodies(search(archive, { query: fox, from: "carol@localhost", limit: 10 }))).toEqual([
      "brown foxes are not brown fox",
    ]);
    const joins = search(archive, { kinds: ["join"], limit: 10 }).hits;
    expect(joins.map((h) => h.from)).toEqual(["dave@localhost"]);
    const all = search(archive, { query: fox, sort: "oldest", limit: 10 }).hits;
    const second = Date.parse(all[1]!.at);
    expect(
      bodies(search(archive, { query: fox, since: second, until: second + 1, limit: 10 })),
    ).toEqual([all[1]!.body]);
    expect(() => archive.resolveTopics(["#nowhere"])).toThrow(
      /no logs of #nowhere in .* \(it has #general@localhost, #other@localhost\)/,
    );
    archive.close();
  });

  test("the tags the index computes for topic and sender are the ones searches ask for", () => {
    const dir = sample();
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new Database(indexPath(dir), { readonly: true });
    const rows = db.query("SELECT topic_id, sender, tags FROM events").all() as {
      topic_id: number;
      sender: string;
      tags: string;
    }[];
    db.close();
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r.tags).toBe(eventTags(r.topic_id, r.sender));
    expect(writtenSenderTag("Bob")).toBe(writtenSenderTag("bob@localhost"));
  });

  test("substring search finds text inside words, ASCII case folded, % and _ literal", () => {
    const dir = tmp();
    writeArchive(dir, [
      { body: "deploying v1.2_rc to prod" },
      { body: "100% done" },
      { body: "1000 done" },
    ]);
    const archive = new Archive(dir);
    const sub = (text: string) =>
      bodies(search(archive, { query: parseQuery(text, true), limit: 10 }));
    expect(sub("PLOY")).toEqual(["deploying v1.2_rc to prod"]);
    expect(sub("2_r")).toEqual(["deploying v1.2_rc to prod"]);
    expect(sub("0%")).toEqual(["100% done"]);
    expect(sub("e")).toHaveLength(3);
    archive.close();
  });

  test("pages: a cursor goes on where the last page ended, in every order", () => {
    const dir = tmp();
    writeArchive(
      dir,
      Array.from({ length: 25 }, (_, i) => ({ body: `ping number ${i}` })),
    );
    const archive = new Archive(dir);
    for (const sort of ["newest", "oldest", "rank"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = search(archive, {
          query: parseQuery("ping"),
          limit: 7,
          sort,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...bodies(page));
        cursor = page.next;
      } while (cursor !== undefined);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toHaveLength(25);
      if (sort === "oldest") expect(seen[0]).toBe("ping number 0");
      if (sort === "newest") expect(seen[0]).toBe("ping number 24");
    }
    expect(() =>
      search(archive, { query: parseQuery("ping"), limit: 7, cursor: "nonsense" }),
    ).toThrow(/not a cursor/);
    archive.close();
  });

  test("best match ranks by bm25, among the newest hits when there are more than its window", () => {
    const dir = tmp();
    writeArchive(dir, [
      { body: "fox fox fox fox, the foxiest line" },
      ...Array.from({ length: 20 }, (_, i) => ({
        body: `a fox and many other words, number ${i}`,
      })),
      { body: "fox fox fox, the newest of the foxy ones" },
    ]);
    const archive = new Archive(dir);
    const best = (rankWindow?: number) =>
      bodies(
        search(archive, {
          query: parseQuery("fox"),
          sort: "rank",
          limit: 2,
          ...(rankWindow ? { rankWindow } : {}),
        }),
      );
    expect(best()).toEqual([
      "fox fox fox fox, the foxiest line",
      "fox fox fox, the newest of the foxy ones",
    ]);
    // With a window of 5 the oldest (and best) line is past it.
    expect(best(5)[0]).toBe("fox fox fox, the newest of the foxy ones");
    archive.close();
  });

  test("lines the index does not hold yet (written, not checkpointed) are found, merged in order", () => {
    const dir = tmp();
    writeArchive(dir, [{ body: "fox one" }, { body: "fox two" }]);
    const log = new JsonlLog(dir);
    log.event(event({ body: "fox three" }));
    log.event(event({ body: "fox four", topic: OTHER }));
    // No sync: the lines are in the files, not in the index.
    expect(checkIndex(dir).indexed).toHaveLength(2);
    const archive = new Archive(dir);
    const all = search(archive, { query: parseQuery("fox"), limit: 10 });
    expect(bodies(all)).toEqual(["fox four", "fox three", "fox two", "fox one"]);
    const first = search(archive, { query: parseQuery("fox"), limit: 3 });
    const rest = search(archive, { query: parseQuery("fox"), limit: 3, cursor: first.next! });
    expect([...bodies(first), ...bodies(rest)]).toEqual(bodies(all));
    log.sync();
    expect(checkIndex(dir).indexed).toHaveLength(4);
    expect(bodies(search(archive, { query: parseQuery("fox"), limit: 10 }))).toEqual(bodies(all));
    log.close();
    archive.close();
  });

  test("an archive of an older version (percent-encoded folders, no index) is read from its files, then migrated", () => {
    const dir = tmp();
    writeArchive(dir, [{ body: "old fox" }, { body: "older dog", topic: OTHER }], { index: false });
    expect(existsSync(indexPath(dir))).toBe(false);
    // As versions before readable folders named them.
    renameSync(join(dir, "#general@localhost"), join(dir, "%23general@localhost"));
    const archive = new Archive(dir);
    expect(archive.topicNames()).toEqual([GENERAL, OTHER]);
    expect(bodies(search(archive, { query: parseQuery("fox"), limit: 10 }))).toEqual(["old fox"]);
    expect(archive.days(GENERAL)).toEqual([{ day: "2026-12-01", events: 1 }]);
    archive.close();
    // A logger of this version renames the folder and indexes what is there.
    new JsonlLog(dir).close();
    expect(existsSync(join(dir, "%23general@localhost"))).toBe(false);
    expect(existsSync(join(dir, "#general@localhost"))).toBe(true);
    const check = checkIndex(dir);
    expect(check.indexed).toHaveLength(2);
    expect(check.behind).toEqual([]);
    const again = new Archive(dir);
    expect(bodies(search(again, { query: parseQuery("fox"), limit: 10 }))).toEqual(["old fox"]);
    again.close();
  });

  test("an index of another version is rebuilt by the logger and ignored by readers", () => {
    const dir = sample();
    const other = indexPath(dir);
    rmSync(other);
    rmSync(`${other}-wal`, { force: true });
    rmSync(`${other}-shm`, { force: true });
    mkdirSync(join(dir, ".index"), { recursive: true });
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new Database(other, { create: true });
    db.run("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    db.run("INSERT INTO meta VALUES ('version', '999')");
    db.close();
    const archive = new Archive(dir);
    expect(archive.index).toBeUndefined();
    expect(bodies(search(archive, { query: parseQuery("lazy"), limit: 10 }))).toEqual([
      "a lazy dog",
    ]);
    archive.close();
    new JsonlLog(dir).close();
    expect(checkIndex(dir).indexed).toHaveLength(6);
  });

  test("a torn line and lines that are not ours are skipped, in the index and in the files", () => {
    const dir = tmp();
    writeArchive(dir, [{ body: "fox before" }]);
    const file = join(dir, "#general@localhost", "2026-12-01.jsonl");
    appendFileSync(file, '{"topic":"#general@localhost","seq":9,"body":"fox torn\n[1,2]\n');
    writeArchive(dir, [{ body: "fox after" }]);
    writeFileSync(join(dir, "#general@localhost", "notes.txt"), "fox not a day file\n");
    const archive = new Archive(dir);
    expect(bodies(search(archive, { query: parseQuery("fox"), limit: 10 }))).toEqual([
      "fox after",
      "fox before",
    ]);
    archive.close();
  });
});
