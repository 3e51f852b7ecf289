import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DateTime, MAX_PAYLOAD } from "../../src/protocol/index.ts";
import type { RunningServer } from "../../src/server/index.ts";
import { type Frame, rawOf, ServerPool, type TestClient } from "./client.ts";

const pool = new ServerPool();
let server: RunningServer;
let clock = 1_800_000_000_000;

beforeAll(async () => {
  server = await pool.start({ rate: 10_000, burst: 10_000, now: () => clock });
});
afterAll(() => pool.stopAll());

async function publish(c: TestClient, to: string, bodies: string[]): Promise<Frame[]> {
  const sent: Frame[] = [];
  for (const body of bodies) c.send({ type: "message", to, body });
  for (const _ of bodies) sent.push(await c.nextReply());
  return sent;
}

describe("history", () => {
  let a: TestClient;
  const live: Frame[] = [];

  beforeAll(async () => {
    a = await pool.client(server, "hist");
    await a.request({ type: "subscribe", topic: "#log" });
    live.push(await a.nextEvent()); // join, seq 1
    for (let i = 0; i < 30; i++) {
      clock += 10;
      const [sent] = await publish(a, "#log", [`m${i}`]);
      expect(sent).toMatchObject({ seq: i + 2 });
      live.push(await a.nextEvent());
    }
  });

  test("after: pages with more, events byte-identical to what was pushed", async () => {
    const first = await a.request({ type: "history", topic: "#log", after: 0, limit: 10, ref: 1 });
    expect(first).toMatchObject({
      type: "backlog",
      topic: "#log@example.com",
      available: true,
      more: true,
      ref: 1,
    });
    const events = first.events as Frame[];
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The backlog splices the stored payloads: same bytes as the live events.
    const raw = Buffer.from(rawOf(first));
    for (const event of live.slice(0, 10))
      expect(raw.includes(Buffer.from(rawOf(event)))).toBe(true);
    expect(events[1]).toEqual(live[1]!);
    const rest = await a.request({ type: "history", topic: "#log", after: 10 });
    expect((rest.events as Frame[]).map((e) => e.seq)).toEqual(
      Array.from({ length: 21 }, (_, i) => i + 11),
    );
    expect(rest.more).toBe(false);
    const none = await a.request({ type: "history", topic: "#log", after: 31 });
    expect(none).toMatchObject({ available: true, events: [], more: false });
  });

  test("since and last", async () => {
    const at = live[20]!.at as DateTime;
    const since = await a.request({ type: "history", topic: "#log", since: at });
    expect((since.events as Frame[])[0]!.seq).toBe(21);
    expect((since.events as Frame[]).length).toBe(11);
    const sub = await a.request({
      type: "history",
      topic: "#log",
      since: new DateTime(at.seconds + 0.0005),
    });
    expect((sub.events as Frame[])[0]!.seq).toBe(22);
    const last = await a.request({ type: "history", topic: "#log", last: 5, limit: 3 });
    expect((last.events as Frame[]).map((e) => e.seq)).toEqual([27, 28, 29]);
    expect(last.more).toBe(true);
    const cont = await a.request({ type: "history", topic: "#log", after: 29 });
    expect((cont.events as Frame[]).map((e) => e.seq)).toEqual([30, 31]);
    const zero = await a.request({ type: "history", topic: "#log", last: 0 });
    expect(zero).toMatchObject({ events: [], more: false });
  });

  test("selector errors are bad_message", async () => {
    for (const request of [
      { type: "history", topic: "#log" },
      { type: "history", topic: "#log", after: 1, last: 2 },
      { type: "history", topic: "#log", after: 1, limit: 0 },
      { type: "history", topic: "#log", since: 5 },
    ]) {
      expect(await a.request(request)).toMatchObject({ code: "bad_message", re: "history" });
    }
  });

  test("ID topics: only the owner reads them; other names are checked", async () => {
    const other = await pool.client(server, "other");
    await other.request({ type: "message", to: "hist", body: "dm" });
    expect(await a.nextEvent()).toMatchObject({ body: "dm" });
    const own = await a.request({ type: "history", topic: "hist", after: 0 });
    expect(own).toMatchObject({ available: true, topic: "hist@example.com" });
    expect((own.events as Frame[]).map((e) => e.body)).toEqual(["dm"]);
    expect(await other.request({ type: "history", topic: "hist", after: 0 })).toMatchObject({
      code: "forbidden",
    });
    expect(
      await other.request({ type: "history", topic: "#x@else.where", after: 0 }),
    ).toMatchObject({
      code: "wrong_server",
    });
    expect(await other.request({ type: "history", topic: "!nope", after: 0 })).toMatchObject({
      code: "bad_topic",
    });
    // Anyone reads a channel's history, subscribed or not.
    expect(await other.request({ type: "history", topic: "#log", last: 1 })).toMatchObject({
      available: true,
    });
  });

  test("pages of large events stay within one frame", async () => {
    const big = await pool.client(server, "big");
    await big.request({ type: "subscribe", topic: "#large" });
    await big.nextEvent();
    const bodies = Array.from({ length: 7 }, (_, i) => `${i}`.repeat(6000));
    bodies.push("y".repeat(15_700));
    await publish(big, "#large", bodies);
    let after = 0;
    const seen: number[] = [];
    for (;;) {
      const page = await big.request({
        type: "history",
        topic: "#large",
        after,
        limit: 1000,
        ref: "r".repeat(64),
      });
      expect(rawOf(page).length).toBeLessThanOrEqual(MAX_PAYLOAD);
      const events = page.events as Frame[];
      expect(events.length).toBeGreaterThan(0);
      seen.push(...events.map((e) => e.seq as number));
      after = events.at(-1)!.seq as number;
      if (!page.more) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("topics", () => {
  test("channels with subscribers or retained messages, sorted, paged, filtered", async () => {
    const s = await pool.start();
    const u1 = await pool.client(s, "u1");
    const u1b = await pool.client(s, "u1");
    const u2 = await pool.client(s, "u2");
    for (const topic of ["#zeta", "#alpha", "#mid"]) await u1.request({ type: "subscribe", topic });
    await u1b.request({ type: "subscribe", topic: "#alpha" });
    await u2.request({ type: "subscribe", topic: "#alpha" });
    await u2.request({ type: "subscribe", topic: "#gone" });
    await u2.request({ type: "message", to: "#gone", body: "kept" });
    await u2.request({ type: "unsubscribe", topic: "#gone" });
    // A channel with only join/leave history and nobody in it is not listed.
    await u2.request({ type: "subscribe", topic: "#empty" });
    await u2.request({ type: "unsubscribe", topic: "#empty" });
    const all = await u1.request({ type: "topics", ref: 5 });
    expect(all).toEqual({
      type: "topic_list",
      total: 4,
      offset: 0,
      ref: 5,
      topics: [
        { topic: "#alpha@example.com", subscribers: 2 },
        { topic: "#gone@example.com", subscribers: 0 },
        { topic: "#mid@example.com", subscribers: 1 },
        { topic: "#zeta@example.com", subscribers: 1 },
      ],
    });
    const page = await u1.request({ type: "topics", offset: 1, limit: 2 });
    expect(page).toMatchObject({ total: 4, offset: 1 });
    expect((page.topics as Frame[]).map((t) => t.topic)).toEqual([
      "#gone@example.com",
      "#mid@example.com",
    ]);
    // The filter is a substring of the full name, in any case.
    const filtered = await u1.request({ type: "topics", filter: "TA@" });
    expect((filtered.topics as Frame[]).map((t) => t.topic)).toEqual(["#zeta@example.com"]);
    expect(filtered.total).toBe(1);
    expect(await u1.request({ type: "topics", filter: "x".repeat(65) })).toMatchObject({
      code: "bad_message",
    });
  });

  test("a long list is cut to fit one frame", async () => {
    const s = await pool.start({ maxSubscriptions: 1000 });
    const c = await pool.client(s, "many");
    const long = "c".repeat(60);
    for (let i = 0; i < 300; i++)
      c.send({ type: "subscribe", topic: `#${long}${String(i).padStart(3, "0")}` });
    for (let i = 0; i < 300; i++) await c.nextReply();
    const list = await c.request({ type: "topics", limit: 1000 });
    expect(list.total).toBe(300);
    const count = (list.topics as Frame[]).length;
    expect(count).toBeGreaterThan(100);
    expect(count).toBeLessThan(300);
    expect(rawOf(list).length).toBeLessThanOrEqual(MAX_PAYLOAD);
    const next = await c.request({ type: "topics", offset: count, limit: 1000 });
    expect((next.topics as Frame[])[0]!.topic).toBe(
      `#${long}${String(count).padStart(3, "0")}@example.com`,
    );
  });
});

test('history "none": available false, welcome.history false', async () => {
  const s = await pool.start({ history: "none" });
  const c = await pool.client(s);
  expect(await c.request({ type: "identify", id: "n" })).toMatchObject({ history: false });
  await c.request({ type: "subscribe", topic: "#n" });
  expect(await c.request({ type: "history", topic: "#n", after: 0 })).toEqual({
    type: "backlog",
    topic: "#n@example.com",
    available: false,
    events: [],
    more: false,
  });
});
