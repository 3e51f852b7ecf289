import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RetentionOptions } from "../../src/server/history/limits.ts";
import type { TopicRef } from "../../src/server/history/store.ts";
import { MemoryHistoryStore, SqliteHistoryStore } from "../../src/server/index.ts";

const dir = mkdtempSync(join(tmpdir(), "scalar-stores-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A payload whose every byte is the seq (mod 256), so a page shows its seqs. */
const payload = (seq: number, size = 10) => new Uint8Array(size).fill(seq % 256);
const seqsOf = (events: Uint8Array[]) => events.map((e) => e[0]);
const topic = (name: string, epoch = "e1", inbox = false): TopicRef => ({ name, epoch, inbox });

type Store = MemoryHistoryStore | SqliteHistoryStore;

/** Appends and, for the batching store, commits at once. */
function put(store: Store, t: TopicRef, seq: number, message = true, size = 10): void {
  store.append(t, seq, 1000 + seq, message, payload(seq, size));
  if (store instanceof SqliteHistoryStore) store.commit();
}

function fill(store: Store, t: TopicRef, from: number, to: number, size = 10) {
  for (let seq = from; seq <= to; seq++) put(store, t, seq, true, size);
}

const all = (store: Store, name: string) =>
  seqsOf(store.select(name, { after: 0 }, 1000, 1 << 30).events);

describe.each([
  ["memory", (r?: RetentionOptions) => new MemoryHistoryStore(r)],
  ["sqlite", (r?: RetentionOptions) => new SqliteHistoryStore(":memory:", r)],
])("%s store", (_name, make) => {
  test("keeps the newest events of a topic; the first seq shows the gap", () => {
    const store = make({ messages: { topicEvents: 50 } });
    fill(store, topic("#t@x"), 1, 120);
    const page = store.select("#t@x", { after: 0 }, 1000, 1 << 20);
    expect(page.events.length).toBe(50);
    expect(seqsOf(page.events)[0]).toBe(71);
    expect(page.more).toBe(false);
    expect(store.latest("#t@x")).toEqual({ seq: 120, at: 1120, epoch: "e1" });
    store.close();
  });

  test("limit and byte budget cut pages; more says the selection goes on", () => {
    const store = make();
    fill(store, topic("#t@x"), 1, 30, 100);
    const byLimit = store.select("#t@x", { after: 5 }, 10, 1 << 20);
    expect(seqsOf(byLimit.events)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(byLimit.more).toBe(true);
    const byBytes = store.select("#t@x", { since: 1025 }, 100, 350);
    expect(seqsOf(byBytes.events)).toEqual([25, 26, 27]);
    expect(byBytes.more).toBe(true);
    const last = store.select("#t@x", { last: 4 }, 100, 1 << 20);
    expect(seqsOf(last.events)).toEqual([27, 28, 29, 30]);
    expect(last.more).toBe(false);
    expect(store.select("#none@x", { after: 0 }, 10, 1000)).toEqual({ events: [], more: false });
    store.close();
  });

  test("lists channels with retained messages, and stops when they are evicted", () => {
    const store = make({ messages: { totalEvents: 2 } });
    put(store, topic("#joins@x"), 1, false);
    put(store, topic("#talk@x"), 1);
    put(store, topic("bob@x"), 1);
    expect([...store.channelsWithMessages()]).toEqual(["#talk@x"]);
    put(store, topic("#other@x"), 1);
    expect([...store.channelsWithMessages()]).toEqual(["#other@x"]);
    store.close();
  });

  test("presence has its own bounds: churn never evicts a message", () => {
    const store = make({ presence: { topicEvents: 5 } });
    const t = topic("#c@x");
    let seq = 0;
    for (let i = 0; i < 3; i++) put(store, t, ++seq);
    for (let i = 0; i < 400; i++) put(store, t, ++seq, false);
    put(store, t, ++seq);
    // The three messages, the last five presence events, the last message, by seq.
    expect(all(store, "#c@x")).toEqual([1, 2, 3, 399, 400, 401, 402, 403, 404].map((s) => s % 256));
    const last = store.select("#c@x", { last: 7 }, 100, 1 << 20);
    expect(seqsOf(last.events)).toEqual([3, 399, 400, 401, 402, 403, 404].map((s) => s % 256));
    store.close();
  });

  test("the total bound evicts the oldest across topics; a topic left with nothing is released", () => {
    const store = make({ messages: { totalEvents: 10 } });
    fill(store, topic("#a@x"), 1, 4);
    fill(store, topic("#b@x"), 1, 4);
    fill(store, topic("#c@x"), 1, 4);
    // 12 appended, 10 kept: #a lost its two oldest.
    expect(all(store, "#a@x")).toEqual([3, 4]);
    fill(store, topic("#c@x"), 5, 6);
    expect(all(store, "#a@x")).toEqual([]);
    expect(store.latest("#a@x")).toBeUndefined();
    expect(store.latest("#b@x")).toEqual({ seq: 4, at: 1004, epoch: "e1" });
    expect(store.stats()).toMatchObject({ topics: 2, pools: { messages: { events: 10 } } });
    // Numbered again from 1 in a new epoch: the old events are not mixed in.
    put(store, topic("#a@x", "e2"), 1);
    expect(store.latest("#a@x")).toMatchObject({ seq: 1, epoch: "e2" });
    store.close();
  });

  test("the byte bounds: per topic and in total", () => {
    const store = make({ messages: { topicBytes: 40_000, totalBytes: 60_000 } });
    fill(store, topic("#a@x"), 1, 10, 10_000);
    expect(all(store, "#a@x")).toEqual([7, 8, 9, 10]);
    fill(store, topic("#b@x"), 1, 3, 10_000);
    expect(all(store, "#a@x")).toEqual([8, 9, 10]);
    expect(store.stats().pools.messages).toEqual({ events: 6, bytes: 60_000 });
    store.close();
  });

  test("inboxes of IDs that have not connected: bounded per ID and in total, claimed on connect", () => {
    const store = make({ inbox: { topicEvents: 3, totalEvents: 5 } });
    fill(store, topic("ghost@x", "e1", true), 1, 10);
    expect(all(store, "ghost@x")).toEqual([8, 9, 10]);
    fill(store, topic("shade@x", "e1", true), 1, 3);
    expect(all(store, "ghost@x")).toEqual([9, 10]);
    expect(store.stats().pools.inbox.events).toBe(5);
    // Claimed: ordinary history from now on, out of the inbox pool.
    store.claim("shade@x");
    if (store instanceof SqliteHistoryStore) store.commit();
    fill(store, topic("shade@x"), 4, 20);
    expect(all(store, "shade@x").length).toBe(20);
    fill(store, topic("wisp@x", "e1", true), 1, 4);
    fill(store, topic("wraith@x", "e1", true), 1, 2);
    expect(all(store, "shade@x").length).toBe(20);
    expect(all(store, "ghost@x")).toEqual([]);
    expect(all(store, "wisp@x")).toEqual([2, 3, 4]);
    expect(store.stats().pools).toMatchObject({
      inbox: { events: 5 },
      messages: { events: 20 },
    });
    store.close();
  });
});

test("the memory store's byte bound evicts old events across chunks", () => {
  const store = new MemoryHistoryStore({ messages: { topicBytes: 64 * 1024 } });
  for (let seq = 1; seq <= 100; seq++) {
    store.append(topic("#big@x"), seq, seq, true, payload(seq, 4000));
  }
  const page = store.select("#big@x", { after: 0 }, 1000, 1 << 30);
  expect(page.events.length).toBe(16);
  expect(seqsOf(page.events)).toEqual(Array.from({ length: 16 }, (_, i) => 85 + i));
  for (const event of page.events) expect(event.every((b) => b === event[0])).toBe(true);
});

test("retention bounds are checked", () => {
  expect(() => new MemoryHistoryStore({ inbox: { topicEvents: 0 } })).toThrow(
    "retention.inbox.topicEvents must be an integer of at least 1",
  );
  expect(() => new MemoryHistoryStore({ messages: { totalBytes: 1000 } })).toThrow(
    "retention.messages.totalBytes must be an integer of at least 16382",
  );
});

describe("sqlite store on disk", () => {
  const db = (store: SqliteHistoryStore) => (store as unknown as { db: Database }).db;

  test("nothing is written before commit; a failed commit writes nothing and loses nothing stored", () => {
    const path = join(dir, "fail.sqlite");
    const store = new SqliteHistoryStore(path);
    store.append(topic("#a@x"), 1, 1000, true, payload(1));
    expect(db(store).query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 0 });
    store.commit();
    expect(db(store).query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    // A full disk: the file may not grow past its current pages.
    const { page_count } = db(store).query("PRAGMA page_count").get() as { page_count: number };
    db(store).run(`PRAGMA max_page_count = ${page_count}`);
    for (let seq = 2; seq <= 40; seq++)
      store.append(topic("#a@x"), seq, 1000 + seq, true, payload(seq, 4000));
    expect(() => store.commit()).toThrow(/full/);
    expect(store.latest("#a@x")).toEqual({ seq: 1, at: 1000, epoch: "e1" });
    db(store).run("PRAGMA max_page_count = 1073741823");
    store.append(topic("#a@x"), 2, 1002, true, payload(2));
    store.commit();
    expect(all(store, "#a@x")).toEqual([1, 2]);
    store.close();
  });

  test("counters, epochs and inboxes survive a restart; retention applies again at open", () => {
    const path = join(dir, "restart.sqlite");
    const first = new SqliteHistoryStore(path);
    fill(first, topic("#a@x", "epoch-a"), 1, 30);
    put(first, topic("#a@x", "epoch-a"), 31, false);
    put(first, topic("#quiet@x", "epoch-q"), 1, false);
    fill(first, topic("ghost@x", "epoch-g", true), 1, 2);
    first.close();
    const second = new SqliteHistoryStore(path, { messages: { topicEvents: 10 } });
    expect(second.latest("#a@x")).toEqual({ seq: 31, at: 1031, epoch: "epoch-a" });
    // A channel with presence only is let go: nobody is in it after a start.
    expect(second.latest("#quiet@x")).toBeUndefined();
    expect(all(second, "#a@x")).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
    expect(second.stats().pools).toMatchObject({ inbox: { events: 2 }, presence: { events: 1 } });
    second.close();
    const rows = new Database(path).query("SELECT count(*) AS n FROM events").get();
    expect(rows).toEqual({ n: 13 });
  });

  test("a database from before epochs migrates: each topic gets an epoch, kept from then on", () => {
    const path = join(dir, "old.sqlite");
    const old = new Database(path, { create: true });
    old.run(`CREATE TABLE events (topic TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
      message INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (topic, seq)) WITHOUT ROWID`);
    old.run(
      "CREATE TABLE topics (topic TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID",
    );
    const insert = old.query("INSERT INTO events VALUES (?, ?, ?, 1, ?)");
    for (let seq = 1; seq <= 5; seq++) insert.run("#old@x", seq, 1000 + seq, payload(seq));
    old.run("INSERT INTO topics VALUES ('#old@x', 7, 1007), ('#gone@x', 3, 900)");
    old.close();
    const store = new SqliteHistoryStore(path);
    const state = store.latest("#old@x")!;
    expect(state).toMatchObject({ seq: 7, at: 1007 });
    expect(state.epoch.length).toBeGreaterThan(0);
    expect(state.epoch.length).toBeLessThanOrEqual(64);
    // Nothing retained: its counters are let go (its numbering starts again).
    expect(store.latest("#gone@x")).toBeUndefined();
    store.close();
    const again = new SqliteHistoryStore(path);
    expect(again.latest("#old@x")).toEqual(state);
    expect(all(again, "#old@x")).toEqual([1, 2, 3, 4, 5]);
    again.close();
  });
});
