/**
 * What the server keeps under churn, over real sockets: topic state let go
 * once nothing holds it, the total bound across topics, inboxes of IDs that
 * never connected, and presence kept apart from messages.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeMessageFrame, type Outgoing } from "../../src/protocol/index.ts";
import { MemoryHistoryStore, SqliteHistoryStore } from "../../src/server/index.ts";
import { type Frame, ServerPool, type TestClient, unlimited } from "./client.ts";

const pool = new ServerPool();
const dir = mkdtempSync(join(tmpdir(), "scalar-retention-"));
afterAll(async () => {
  await pool.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends requests in one write and waits for all their replies. */
async function batch(client: TestClient, requests: Outgoing[]): Promise<Frame[]> {
  client.sendRaw(Buffer.concat(requests.map((r) => encodeMessageFrame(r))));
  const replies: Frame[] = [];
  for (const _ of requests) replies.push(await client.nextReply());
  return replies;
}

async function historyOf(client: TestClient, topic: string): Promise<Frame[]> {
  const events: Frame[] = [];
  let after = 0;
  for (;;) {
    const page = await client.request({ type: "history", topic, after, limit: 1000 });
    events.push(...(page.events as Frame[]));
    if (!page.more) return events;
    after = events.at(-1)!.seq as number;
  }
}

test("channels passed through are let go: nothing stays of them, names start afresh", async () => {
  const store = new MemoryHistoryStore();
  const server = await pool.start({ ...unlimited, history: store });
  const a = await pool.client(server, "ann");
  const b = await pool.client(server, "bob");
  await b.request({ type: "subscribe", topic: "#stay" });
  const first = await a.request({ type: "subscribe", topic: "#n0" });
  await a.request({ type: "unsubscribe", topic: "#n0" });
  for (let round = 0; round < 10; round++) {
    const requests: Outgoing[] = [];
    for (let i = 1; i <= 50; i++) {
      const topic = `#n${round * 50 + i}`;
      requests.push({ type: "subscribe", topic }, { type: "unsubscribe", topic });
    }
    await batch(a, requests);
  }
  // Of 501 channels passed through, nothing is kept: only #stay, where bob is.
  expect(store.stats()).toMatchObject({ topics: 1, pools: { presence: { events: 1 } } });
  const again = await a.request({ type: "subscribe", topic: "#n0" });
  expect(again.seq).toBe(0);
  expect(again.epoch).not.toBe(first.epoch);
  expect(await a.request({ type: "topics" })).toMatchObject({ total: 2 });
  // A channel with a message keeps it, and its presence, once everyone left.
  await a.request({ type: "unsubscribe", topic: "#n0" });
  await b.request({ type: "message", to: "#stay", body: "kept" });
  await b.request({ type: "unsubscribe", topic: "#stay" });
  expect(store.stats()).toMatchObject({
    topics: 1,
    pools: { messages: { events: 1 }, presence: { events: 2 } },
  });
});

describe("presence of channels someone is in", () => {
  test("is bounded in total; a channel whose presence is all evicted is let go when left", async () => {
    const store = new MemoryHistoryStore({ presence: { totalEvents: 20 } });
    const server = await pool.start({ ...unlimited, history: store });
    const a = await pool.client(server, "ann");
    const stay: Outgoing[] = [];
    for (let i = 0; i < 100; i++) stay.push({ type: "subscribe", topic: `#in${i}` });
    await batch(a, stay);
    expect(store.stats()).toMatchObject({ topics: 20, pools: { presence: { events: 20 } } });
    const b = await pool.client(server, "bob");
    expect(await b.request({ type: "subscribe", topic: "#in0" })).toMatchObject({ seq: 1 });
  });
});

test("the total bound drops the oldest events across channels", async () => {
  const server = await pool.start({ ...unlimited, retention: { messages: { totalEvents: 20 } } });
  const a = await pool.client(server, "ann");
  await batch(a, [
    { type: "subscribe", topic: "#old" },
    { type: "subscribe", topic: "#new" },
  ]);
  const say = (to: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: "message", to, body: `${to}${i}` }));
  await batch(a, say("#old", 15));
  await batch(a, say("#new", 15));
  const old = await historyOf(a, "#old");
  // #old keeps its newest 5 messages (and its join, in the presence pool).
  expect(old.filter((e) => e.kind === "message").map((e) => e.body)).toEqual([
    "#old10",
    "#old11",
    "#old12",
    "#old13",
    "#old14",
  ]);
  expect((await historyOf(a, "#new")).filter((e) => e.kind === "message").length).toBe(15);
});

describe("direct messages to IDs that never connected", () => {
  test("an inbox keeps its newest DMs, and all inboxes together a bounded number", async () => {
    const store = new MemoryHistoryStore({ inbox: { topicEvents: 3, totalEvents: 5 } });
    const server = await pool.start({ ...unlimited, history: store });
    const sender = await pool.client(server, "sender");
    const dms = (to: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: "message", to, body: `${to} ${i + 1}` }));
    const sent = await batch(sender, dms("ghost", 10));
    expect(sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const ghost = await pool.client(server, "ghost");
    expect((await historyOf(ghost, "ghost")).map((e) => e.body)).toEqual([
      "ghost 8",
      "ghost 9",
      "ghost 10",
    ]);
    // Ever-new recipients: the inboxes share 5 events in all, the oldest go.
    for (let i = 0; i < 100; i++) await batch(sender, dms(`nobody${i}`, 1));
    expect(store.stats().pools.inbox).toMatchObject({ events: 5 });
    expect(store.stats().topics).toBeLessThanOrEqual(5 + 2);
    const late = await pool.client(server, "nobody0");
    expect(await historyOf(late, "nobody0")).toEqual([]);
    const recent = await pool.client(server, "nobody99");
    expect((await historyOf(recent, "nobody99")).map((e) => e.body)).toEqual(["nobody99 1"]);
  });

  test("an ID that has connected keeps ordinary history while away", async () => {
    const store = new MemoryHistoryStore({ inbox: { topicEvents: 3, totalEvents: 5 } });
    const server = await pool.start({ ...unlimited, history: store });
    const sender = await pool.client(server, "sender");
    const alice = await pool.client(server, "alice");
    await alice.close();
    const dms = Array.from({ length: 10 }, (_, i) => ({
      type: "message",
      to: "alice",
      body: `${i}`,
    }));
    await batch(sender, dms);
    const back = await pool.client(server, "alice");
    expect((await historyOf(back, "alice")).length).toBe(10);
    expect(store.stats().pools.inbox.events).toBe(0);
  });
});

describe.each([
  ["memory", () => undefined],
  ["sqlite", () => `sqlite:${join(dir, "churn.sqlite")}` as const],
])("presence churn (%s)", (_name, history) => {
  test("50 users joining and leaving 20,000 times leave a channel's 30 messages in history", async () => {
    const server = await pool.start({ ...unlimited, history: history() });
    const poster = await pool.client(server, "poster");
    await poster.request({ type: "subscribe", topic: "#busy" });
    const posts = Array.from({ length: 30 }, (_, i) => ({
      type: "message",
      to: "#busy",
      body: `m${i}`,
    }));
    await batch(poster, posts);
    await poster.request({ type: "unsubscribe", topic: "#busy" });
    // 8 s of the default request rate (50/s) for 50 users: 400 requests each.
    const users = await Promise.all(
      Array.from({ length: 50 }, (_, i) => pool.client(server, `churn${i}`)),
    );
    const pairs: Outgoing[] = [];
    for (let i = 0; i < 20; i++) {
      pairs.push({ type: "subscribe", topic: "#busy" }, { type: "unsubscribe", topic: "#busy" });
    }
    await Promise.all(
      users.map(async (user) => {
        for (let round = 0; round < 10; round++) await batch(user, pairs);
      }),
    );
    // While subscribed, each user saw every event after its subscribed.seq,
    // its own join first among them.
    for (const [i, user] of users.entries()) {
      let expected: number | undefined;
      let ownJoins = 0;
      while (user.all.size > 0) {
        const frame = await user.all.shift();
        if (frame.type === "subscribed") expected = (frame.seq as number) + 1;
        else if (frame.type === "unsubscribed") expected = undefined;
        else if (frame.type === "event" && expected !== undefined) {
          expect(frame.seq).toBe(expected);
          expected++;
          if (frame.kind === "join" && frame.from === `churn${i}@example.com`) ownJoins++;
        }
      }
      expect(ownJoins).toBe(200);
    }
    const kept = await historyOf(poster, "#busy");
    expect(kept.filter((e) => e.kind === "message").map((e) => e.body)).toEqual(
      posts.map((p) => p.body),
    );
    // Presence is kept too, within its own smaller bound.
    const presence = kept.filter((e) => e.kind !== "message");
    expect(presence.length).toBe(1000);
    expect(presence.at(-1)!.seq).toBe(1 + 30 + 1 + 20_000);
  });
});

test("the sqlite store keeps the same bounds", async () => {
  const store = new SqliteHistoryStore(join(dir, "bounds.sqlite"), {
    inbox: { topicEvents: 2, totalEvents: 3 },
  });
  const server = await pool.start({ ...unlimited, history: store });
  const sender = await pool.client(server, "sender");
  for (let i = 0; i < 10; i++) {
    await batch(sender, [
      { type: "message", to: `far${i}`, body: "hi" },
      { type: "message", to: `far${i}`, body: "again" },
    ]);
  }
  expect(store.stats().pools.inbox.events).toBe(3);
  const far9 = await pool.client(server, "far9");
  expect((await historyOf(far9, "far9")).map((e) => e.body)).toEqual(["hi", "again"]);
});
