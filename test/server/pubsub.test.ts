import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DateTime } from "../../src/protocol/index.ts";
import type { RunningServer } from "../../src/server/index.ts";
import { type Frame, rawOf, ServerPool } from "./client.ts";

const pool = new ServerPool();
let server: RunningServer;
let clock = 1_700_000_000_000;

beforeAll(async () => {
  server = await pool.start({
    admins: ["boss", "root@example.com"],
    maxSubscriptions: 3,
    rate: 1000,
    burst: 1000,
    // A clock that can go backwards, to check `at` never does.
    now: () => clock,
  });
});
afterAll(() => pool.stopAll());

describe("subscribe and presence", () => {
  test("subscribed.seq comes before the join, which is seq 1 on a new channel", async () => {
    const a = await pool.client(server, "ann");
    expect(await a.request({ type: "subscribe", topic: "#New", ref: "s" })).toEqual({
      type: "subscribed",
      topic: "#new@example.com",
      seq: 0,
      epoch: expect.any(String),
      ref: "s",
    });
    const join = await a.nextEvent();
    expect(join).toMatchObject({
      type: "event",
      topic: "#new@example.com",
      seq: 1,
      from: "ann@example.com",
      kind: "join",
    });
    expect(join.body).toBeUndefined();
    // Order on the wire: welcome, subscribed, then the join.
    const kinds = [(await a.next()).type, (await a.next()).type, (await a.next()).type];
    expect(kinds).toEqual(["welcome", "subscribed", "event"]);
  });

  test("join once per ID, leave when its last connection goes; re-subscribe just replies", async () => {
    const watcher = await pool.client(server, "watcher");
    await watcher.request({ type: "subscribe", topic: "#room" });
    expect(await watcher.nextEvent()).toMatchObject({ kind: "join", from: "watcher@example.com" });
    const b1 = await pool.client(server, "bea");
    const b2 = await pool.client(server, "bea");
    expect(await b1.request({ type: "subscribe", topic: "#room" })).toMatchObject({ seq: 1 });
    expect(await watcher.nextEvent()).toMatchObject({
      kind: "join",
      from: "bea@example.com",
      seq: 2,
    });
    expect(await b2.request({ type: "subscribe", topic: "#room" })).toMatchObject({ seq: 2 });
    expect(await b2.request({ type: "subscribe", topic: "#room" })).toMatchObject({ seq: 2 });
    expect(await b1.request({ type: "unsubscribe", topic: "#room", ref: 1 })).toEqual({
      type: "unsubscribed",
      topic: "#room@example.com",
      ref: 1,
    });
    // Unsubscribing again just replies.
    expect(await b1.request({ type: "unsubscribe", topic: "#room" })).toMatchObject({
      type: "unsubscribed",
    });
    await b2.close();
    const leave = await watcher.nextEvent();
    expect(leave).toMatchObject({ kind: "leave", from: "bea@example.com", seq: 3 });
    // No event for b1's unsubscribe or the re-subscribe came before it.
    expect(watcher.events.size).toBe(0);
  });

  test("an ID's second connection, come after its first subscribed, joins and leaves with it as one", async () => {
    const watcher = await pool.client(server, "watcher2");
    await watcher.request({ type: "subscribe", topic: "#pair" });
    expect(await watcher.nextEvent()).toMatchObject({ kind: "join", from: "watcher2@example.com" });
    const c1 = await pool.client(server, "cleo");
    await c1.request({ type: "subscribe", topic: "#pair" });
    expect(await watcher.nextEvent()).toMatchObject({ kind: "join", from: "cleo@example.com" });
    // Subscribed while cleo had one connection; now a second comes and subscribes too.
    const c2 = await pool.client(server, "cleo");
    await c2.request({ type: "subscribe", topic: "#pair" });
    await c1.close();
    // The first leaving is no leave (the server handled its close before
    // the client saw it): the second is still in, and speaks next.
    expect(await c2.request({ type: "message", to: "#pair", body: "still here" })).toMatchObject({
      type: "sent",
    });
    expect(await watcher.nextEvent()).toMatchObject({ kind: "message", body: "still here" });
    await c2.request({ type: "unsubscribe", topic: "#pair" });
    expect(await watcher.nextEvent()).toMatchObject({ kind: "leave", from: "cleo@example.com" });
    // Alone again, cleo subscribes and leaves as one connection does.
    await c2.request({ type: "subscribe", topic: "#pair" });
    expect(await watcher.nextEvent()).toMatchObject({ kind: "join", from: "cleo@example.com" });
    await c2.close();
    expect(await watcher.nextEvent()).toMatchObject({ kind: "leave", from: "cleo@example.com" });
    expect(watcher.events.size).toBe(0);
  });

  test("automatic subscriptions: re-subscribe replies, unsubscribe is forbidden", async () => {
    const c = await pool.client(server, "cid");
    expect(await c.request({ type: "subscribe", topic: "cid" })).toMatchObject({
      type: "subscribed",
      topic: "cid@example.com",
    });
    expect(await c.request({ type: "subscribe", topic: "!wall" })).toMatchObject({
      topic: "!wall@example.com",
    });
    for (const topic of ["cid", "!wall@example.com"]) {
      expect(await c.request({ type: "unsubscribe", topic })).toMatchObject({
        code: "forbidden",
        re: "unsubscribe",
      });
    }
  });

  test("names: bad_topic, wrong_server before forbidden, other IDs forbidden", async () => {
    const c = await pool.client(server, "dan");
    const cases: [string, string][] = [
      ["#bad name", "bad_topic"],
      ["#ünï", "bad_topic"],
      ["!other", "bad_topic"],
      ["#x@other.org", "wrong_server"],
      ["eve@other.org", "wrong_server"],
      ["eve", "forbidden"],
      [`#${"a".repeat(65)}`, "bad_topic"],
    ];
    for (const [topic, code] of cases) {
      expect(await c.request({ type: "subscribe", topic })).toMatchObject({ code });
    }
    expect(await c.request({ type: "subscribe", topic: "#MiXeD" })).toMatchObject({
      topic: "#mixed@example.com",
    });
  });

  test("subscription limit; automatic ones do not count", async () => {
    const c = await pool.client(server, "fay");
    for (const topic of ["#l1", "#l2", "#l3"]) {
      expect(await c.request({ type: "subscribe", topic })).toMatchObject({ type: "subscribed" });
    }
    expect(await c.request({ type: "subscribe", topic: "#l4" })).toMatchObject({
      code: "too_many_subscriptions",
    });
    expect(await c.request({ type: "subscribe", topic: "#l1" })).toMatchObject({
      type: "subscribed",
    });
    await c.request({ type: "unsubscribe", topic: "#l2" });
    expect(await c.request({ type: "subscribe", topic: "#l4" })).toMatchObject({
      type: "subscribed",
    });
  });
});

describe("messages", () => {
  test("fan-out: same bytes to every subscriber, sent before the sender's copy, seq +1", async () => {
    const a = await pool.client(server, "gus");
    const b = await pool.client(server, "hal");
    await a.request({ type: "subscribe", topic: "#fan" });
    await b.request({ type: "subscribe", topic: "#fan" });
    await a.nextEvent();
    await a.nextEvent();
    await b.nextEvent();
    // Drain a's log up to here so the order check below starts clean.
    while (a.all.size > 0) await a.next();
    const sent = await a.request({
      type: "message",
      to: "#fan",
      body: "héllo",
      content_type: "text/markdown",
      data: Uint8Array.of(1, 2, 3),
      ref: 42,
    });
    expect(sent).toMatchObject({ type: "sent", topic: "#fan@example.com", seq: 3, ref: 42 });
    const ea = await a.nextEvent();
    const eb = await b.nextEvent();
    expect(ea).toEqual({
      type: "event",
      topic: "#fan@example.com",
      seq: 3,
      at: sent.at,
      from: "gus@example.com",
      kind: "message",
      body: "héllo",
      content_type: "text/markdown",
      data: Uint8Array.of(1, 2, 3),
    });
    expect(rawOf(ea)).toEqual(rawOf(eb));
    expect((await a.next()).type).toBe("sent");
    expect((await a.next()).type).toBe("event");
    const second = await b.request({ type: "message", to: "#fan@example.com", body: "2" });
    expect(second).toMatchObject({ seq: 4 });
    expect(await a.nextEvent()).toMatchObject({ seq: 4, body: "2", from: "hal@example.com" });
  });

  test("at has ms precision and never decreases within a topic", async () => {
    const a = await pool.client(server, "ida");
    await a.request({ type: "subscribe", topic: "#time" });
    clock = 1_700_000_000_123;
    const first = await a.request({ type: "message", to: "#time", body: "1" });
    clock -= 5000;
    const second = await a.request({ type: "message", to: "#time", body: "2" });
    expect((first.at as DateTime).millis).toBe(1_700_000_000_123);
    expect((second.at as DateTime).millis).toBe(1_700_000_000_123);
    clock = 1_700_000_001_000;
    const third = await a.request({ type: "message", to: "#time", body: "3" });
    expect((third.at as DateTime).seconds).toBe(1_700_000_001);
  });

  test("not_subscribed; admins publish without subscribing and cause no join", async () => {
    const a = await pool.client(server, "jon");
    const boss = await pool.client(server, "boss");
    await a.request({ type: "subscribe", topic: "#adm" });
    await a.nextEvent();
    expect(
      await pool
        .client(server, "kim")
        .then((k) => k.request({ type: "message", to: "#adm", body: "x" })),
    ).toMatchObject({
      code: "not_subscribed",
      re: "message",
    });
    expect(
      await boss.request({ type: "message", to: "#adm", body: "from the boss" }),
    ).toMatchObject({
      type: "sent",
      seq: 2,
    });
    expect(await a.nextEvent()).toMatchObject({
      kind: "message",
      from: "boss@example.com",
      seq: 2,
    });
    expect(boss.events.size).toBe(0);
  });

  test("direct messages reach the ID's connections; the sender gets no copy unless to itself", async () => {
    const l1 = await pool.client(server, "lea");
    const l2 = await pool.client(server, "lea");
    const m = await pool.client(server, "max");
    const sent = await m.request({ type: "message", to: "LEA", body: "psst" });
    expect(sent).toMatchObject({ type: "sent", topic: "lea@example.com", seq: 1 });
    for (const c of [l1, l2]) {
      expect(await c.nextEvent()).toMatchObject({
        topic: "lea@example.com",
        from: "max@example.com",
        body: "psst",
      });
    }
    expect(await m.request({ type: "message", to: "max", body: "note to self" })).toMatchObject({
      seq: 1,
    });
    expect(await m.nextEvent()).toMatchObject({ topic: "max@example.com", body: "note to self" });
    expect(m.events.size).toBe(0);
    expect(await m.request({ type: "message", to: "lea@else.where", body: "x" })).toMatchObject({
      code: "wrong_server",
    });
  });

  test("the wall: only admins message it and it reaches every identified connection", async () => {
    const n = await pool.client(server, "ned");
    const root = await pool.client(server, "root");
    expect(await n.request({ type: "message", to: "!wall", body: "hi all" })).toMatchObject({
      code: "forbidden",
    });
    expect(await n.request({ type: "message", to: "!other", body: "x" })).toMatchObject({
      code: "bad_topic",
    });
    // wrong_server goes before forbidden.
    expect(await n.request({ type: "message", to: "!wall@else.where", body: "x" })).toMatchObject({
      code: "wrong_server",
    });
    const sent = await root.request({ type: "message", to: "!wall", body: "maintenance" });
    expect(sent).toMatchObject({ type: "sent", topic: "!wall@example.com" });
    const wall = (e: Frame) => e.topic === "!wall@example.com";
    let event = await n.nextEvent();
    while (!wall(event)) event = await n.nextEvent();
    expect(event).toMatchObject({ body: "maintenance", from: "root@example.com" });
    expect(await root.nextEvent()).toMatchObject({ body: "maintenance" });
  });

  test("too_large: an event over 15870 bytes is refused and nothing is published", async () => {
    const a = await pool.client(server, "ola");
    await a.request({ type: "subscribe", topic: "#big" });
    await a.nextEvent();
    expect(await a.request({ type: "message", to: "#big", body: "x".repeat(15900) })).toMatchObject(
      {
        code: "too_large",
        fatal: false,
      },
    );
    const ok = await a.request({ type: "message", to: "#big", body: "x".repeat(15700) });
    expect(ok).toMatchObject({ type: "sent", seq: 2 });
    const event = await a.nextEvent();
    expect(rawOf(event).length).toBeLessThanOrEqual(15870);
  });

  test("bad message fields are bad_message", async () => {
    const a = await pool.client(server, "pat");
    expect(await a.request({ type: "message", to: "#x", body: 5 })).toMatchObject({
      code: "bad_message",
      re: "message",
    });
    expect(await a.request({ type: "message", to: "#x", body: "b", data: "text" })).toMatchObject({
      code: "bad_message",
    });
  });
});
