import { describe, expect, test } from "bun:test";
import {
  type HistoryStore,
  MemoryHistoryStore,
  SqliteHistoryStore,
} from "../../src/server/index.ts";

const payload = (seq: number, size = 10) => new Uint8Array(size).fill(seq % 256);
const seqsOf = (events: Uint8Array[]) => events.map((e) => e[0]);

function fill(store: HistoryStore, topic: string, count: number, size = 10) {
  for (let seq = 1; seq <= count; seq++)
    store.append(topic, seq, 1000 + seq, true, payload(seq, size));
}

describe.each([
  ["memory", () => new MemoryHistoryStore(50)],
  ["sqlite", () => new SqliteHistoryStore(":memory:", 50)],
])("%s store", (_name, make) => {
  test("keeps the newest `limit` events; the first seq shows the gap", () => {
    const store = make();
    fill(store, "#t@x", 120);
    const page = store.select("#t@x", { after: 0 }, 1000, 1 << 20);
    expect(page.events.length).toBe(50);
    expect(seqsOf(page.events)[0]).toBe(71);
    expect(page.more).toBe(false);
    expect(store.latest("#t@x")).toEqual({ seq: 120, at: 1120 });
    store.close();
  });

  test("limit and byte budget cut pages; more says the selection goes on", () => {
    const store = make();
    fill(store, "#t@x", 30, 100);
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

  test("lists channels with retained messages only", () => {
    const store = make();
    store.append("#joins@x", 1, 1, false, payload(1));
    store.append("#talk@x", 1, 1, true, payload(1));
    store.append("bob@x", 1, 1, true, payload(1));
    expect([...store.channelsWithMessages()]).toEqual(["#talk@x"]);
    store.close();
  });
});

test("the memory store's byte bound evicts old events across chunks", () => {
  const store = new MemoryHistoryStore(10_000, 64 * 1024);
  for (let seq = 1; seq <= 100; seq++) store.append("#big@x", seq, seq, true, payload(seq, 4000));
  const page = store.select("#big@x", { after: 0 }, 1000, 1 << 30);
  expect(page.events.length).toBe(16);
  expect(seqsOf(page.events)).toEqual(Array.from({ length: 16 }, (_, i) => 85 + i));
  for (const event of page.events) expect(event.every((b) => b === event[0])).toBe(true);
});

describe("sqlite store failures", () => {
  test("a failed background write goes to onError, not to an uncaught exception", async () => {
    const errors: unknown[] = [];
    const store = new SqliteHistoryStore(":memory:", 50, (error) => errors.push(error));
    // Break the table behind the store's back: the next batched write fails.
    (store as unknown as { db: { run(sql: string): void } }).db.run("DROP TABLE events");
    store.append("#a@x", 1, 1000, true, Uint8Array.of(0xa0));
    await Promise.resolve();
    expect(errors.length).toBe(1);
    expect(String(errors[0])).toContain("no such table");
    store.close();
  });

  test("commit writes pending appends at once", () => {
    const store = new SqliteHistoryStore(":memory:", 50);
    store.append("#a@x", 1, 1000, true, Uint8Array.of(0xa0));
    store.commit();
    const db = (store as unknown as { db: { query(sql: string): { get(): unknown } } }).db;
    expect(db.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    store.close();
  });
});
