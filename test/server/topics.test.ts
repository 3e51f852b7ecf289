import { afterAll, describe, expect, test } from "bun:test";
import { type HistoryStore, MemoryHistoryStore } from "../../src/server/index.ts";
import { SortedNames } from "../../src/server/sorted-names.ts";
import { type Frame, ServerPool } from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

const names = (list: Frame) => (list.topics as Frame[]).map((t) => t.topic);

/** A custom history store: everything of `inner` but watchChannels. */
function withoutWatchChannels(inner: MemoryHistoryStore): HistoryStore {
  return {
    keeps: () => inner.keeps(),
    append: (...args) => inner.append(...args),
    select: (...args) => inner.select(...args),
    latest: (t) => inner.latest(t),
    channelsWithMessages: () => inner.channelsWithMessages(),
    close: () => inner.close(),
  };
}

describe("SortedNames", () => {
  test("stays sorted through adds and deletes, and pages from any offset", () => {
    // A small seeded generator: the same sequence every run.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const sorted = new SortedNames();
    const reference = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const name = `#c${Math.floor(random() * 5000)}@x.org`;
      if (random() < 0.6) {
        expect(sorted.add(name)).toBe(!reference.has(name));
        reference.add(name);
      } else {
        expect(sorted.delete(name)).toBe(reference.has(name));
        reference.delete(name);
      }
      expect(sorted.has(name)).toBe(reference.has(name));
    }
    const expected = [...reference].sort();
    expect(sorted.size).toBe(expected.length);
    expect([...sorted]).toEqual(expected);
    for (const offset of [0, 1, 511, 512, 1000, expected.length - 3, expected.length + 5]) {
      expect(sorted.slice(offset, 100)).toEqual(expected.slice(offset, offset + 100));
    }
  });
});

describe("topics from the channel directory", () => {
  test("a channel whose last message retention drops leaves the list at once", async () => {
    const s = await pool.start({ admins: ["root"], retention: { messages: { totalEvents: 2 } } });
    const root = await pool.client(s, "root");
    for (const to of ["#a", "#b"]) await root.request({ type: "message", to, body: to });
    expect(names(await root.request({ type: "topics" }))).toEqual([
      "#a@example.com",
      "#b@example.com",
    ]);
    // A third message over the total of 2: the oldest, #a's only one, goes.
    await root.request({ type: "message", to: "#c", body: "c" });
    const list = await root.request({ type: "topics" });
    expect(names(list)).toEqual(["#b@example.com", "#c@example.com"]);
    expect(list.total).toBe(2);
    // A subscriber brings it back, its leave takes it away again.
    const u = await pool.client(s, "u");
    await u.request({ type: "subscribe", topic: "#a" });
    expect((await root.request({ type: "topics", filter: "#a" })).total).toBe(1);
    await u.request({ type: "unsubscribe", topic: "#a" });
    expect((await root.request({ type: "topics", filter: "#a" })).total).toBe(0);
  });

  test("a store that does not report its channels: those published to are listed", async () => {
    const store = withoutWatchChannels(new MemoryHistoryStore());
    const s = await pool.start({ admins: ["root"], history: store });
    const root = await pool.client(s, "root");
    await root.request({ type: "message", to: "#custom", body: "x" });
    expect(names(await root.request({ type: "topics" }))).toEqual(["#custom@example.com"]);
  });

  test("a store that does not report its channels: one whose last message goes leaves the list", async () => {
    const store = withoutWatchChannels(new MemoryHistoryStore({ messages: { totalEvents: 2 } }));
    const s = await pool.start({
      admins: ["root"],
      history: store,
      rate: 1e6,
      burst: 1e6,
      requestRate: 1e6,
      requestBurst: 1e6,
    });
    const root = await pool.client(s, "root");
    // 1,100 ever-new channels; the store keeps the last two. The list is
    // checked against the store after 1,024 appends.
    for (let i = 0; i < 1100; i++) root.send({ type: "message", to: `#n${i}`, body: "x" });
    for (let i = 0; i < 1100; i++) expect(await root.nextReply()).toMatchObject({ type: "sent" });
    const list = await root.request({ type: "topics", limit: 1000 });
    expect(list.total).toBe(2 + (1100 - 1024));
    expect((await root.request({ type: "topics", filter: "#n0@" })).total).toBe(0);
    expect((await root.request({ type: "topics", filter: "#n1099@" })).total).toBe(1);
  });

  test("a page costs requests by its size: ten for 1000 names, one for 100", async () => {
    const s = await pool.start({ now: () => 7_000_000 });
    const c = await pool.client(s, "lister");
    await c.request({ type: "subscribe", topic: "#one" });
    // The default burst is 2 × 100 + 16 = 216; identify and subscribe took two.
    const codes: string[] = [];
    for (let i = 0; i < 22; i++) {
      const reply = await c.request({ type: "topics", limit: 1000 });
      codes.push(reply.type === "topic_list" ? "ok" : (reply.code as string));
    }
    expect(codes.slice(0, 21)).toEqual(Array(21).fill("ok"));
    expect(codes[21]).toBe("rate_limited");
    expect(await c.request({ type: "topics" })).toMatchObject({ type: "topic_list", total: 1 });
  });
});
