import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DateTime, encodeCbor, MAX_FRAME } from "../../src/protocol/index.ts";
import type { RunningServer } from "../../src/server/index.ts";
import { rawFrame, ServerPool, type TestClient } from "./client.ts";

const pool = new ServerPool();
let server: RunningServer;

beforeAll(async () => {
  server = await pool.start({ motd: "hello", maxSubscriptions: 7, rate: 50, burst: 60 });
});
afterAll(() => pool.stopAll());

describe("identify", () => {
  test("welcome carries the full ID, limits, history and time", async () => {
    const c = await pool.client(server);
    const welcome = await c.request({ type: "identify", id: "Alice", agent: "test", ref: 1 });
    expect(welcome).toMatchObject({
      type: "welcome",
      id: "alice@example.com",
      server: "example.com",
      version: 1,
      limits: { frame: MAX_FRAME, topic: 256, subscriptions: 7, rate: 50, burst: 60 },
      history: true,
      motd: "hello",
      ref: 1,
    });
    expect(welcome.time).toBeInstanceOf(DateTime);
    expect(Math.abs((welcome.time as DateTime).millis - Date.now())).toBeLessThan(5000);
  });

  test("a foreign domain is auth_failed, a bad ID bad_topic, a second identify already_identified", async () => {
    const c = await pool.client(server);
    expect(await c.request({ type: "identify", id: "bob@elsewhere.org" })).toMatchObject({
      type: "error",
      code: "auth_failed",
      fatal: false,
      re: "identify",
    });
    expect(await c.request({ type: "identify", id: "#chan" })).toMatchObject({ code: "bad_topic" });
    expect(await c.request({ type: "identify", id: "bob" })).toMatchObject({ type: "welcome" });
    expect(await c.request({ type: "identify", id: "bob", ref: "x" })).toMatchObject({
      code: "already_identified",
      ref: "x",
    });
  });

  test("before identify: not_identified for known and unknown types; ping works", async () => {
    const c = await pool.client(server);
    for (const type of ["subscribe", "frobnicate", "event", "message"]) {
      expect(await c.request({ type, ref: 7 })).toMatchObject({
        type: "error",
        code: "not_identified",
        fatal: false,
        re: type,
        ref: 7,
      });
    }
    const at = new DateTime(1234.5678);
    expect(await c.request({ type: "ping", at, ref: 2 })).toEqual({ type: "pong", at, ref: 2 });
    // A pong is never answered, identified or not.
    c.send({ type: "pong", at });
    c.send({ type: "pong" });
    expect(await c.request({ type: "ping", at: new DateTime(5) })).toMatchObject({ type: "pong" });
  });
});

describe("request errors", () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await pool.client(server, "carol");
  });

  test("unknown and server-only types get unknown_type", async () => {
    for (const type of ["frobnicate", "welcome", "event", "sent", "error", "backlog"]) {
      expect(await c.request({ type, ref: 3 })).toMatchObject({
        type: "error",
        code: "unknown_type",
        fatal: false,
        re: type,
        ref: 3,
      });
    }
  });

  test("a map without text type, or a non-map, is bad_message", async () => {
    c.sendRaw(rawFrame(encodeCbor([1, 2, 3])));
    expect(await c.nextReply()).toMatchObject({ code: "bad_message", fatal: false });
    c.sendRaw(rawFrame(encodeCbor({ type: 5 })));
    expect(await c.nextReply()).toMatchObject({ code: "bad_message" });
    c.sendRaw(rawFrame(encodeCbor("subscribe")));
    expect(await c.nextReply()).toMatchObject({ code: "bad_message" });
  });

  test("a bad ref makes bad_message without ref; a good one is echoed on errors too", async () => {
    const reply = await c.request({ type: "subscribe", topic: "#x", ref: -1 });
    expect(reply).toMatchObject({ code: "bad_message" });
    expect(reply.ref).toBeUndefined();
    const long = await c.request({ type: "ping", at: new DateTime(1), ref: "r".repeat(65) });
    expect(long.code).toBe("bad_message");
    expect(long.ref).toBeUndefined();
    expect(await c.request({ type: "subscribe", ref: 2 ** 40 })).toMatchObject({
      code: "bad_message",
      re: "subscribe",
      ref: 2 ** 40,
    });
    expect(await c.request({ type: "ping", at: 5, ref: "t" })).toMatchObject({
      code: "bad_message",
      ref: "t",
    });
  });

  test("replies come in request order", async () => {
    const refs = Array.from({ length: 20 }, (_, i) => i);
    for (const ref of refs) {
      c.send(
        ref % 2 === 0
          ? { type: "ping", at: new DateTime(ref), ref }
          : { type: "subscribe", topic: "!nope", ref },
      );
    }
    for (const ref of refs) expect((await c.nextReply()).ref).toBe(ref);
  });

  test("unknown fields are ignored", async () => {
    expect(
      await c.request({ type: "ping", at: new DateTime(1), extra: { deep: [1] }, ref: 9 }),
    ).toMatchObject({ type: "pong", ref: 9 });
  });
});

describe("fatal input", () => {
  async function expectFatal(bytes: Uint8Array, code: string) {
    const c = await pool.client(server);
    c.sendRaw(bytes);
    const error = await c.nextReply();
    expect(error).toMatchObject({ type: "error", code, fatal: true });
    await c.closed;
  }

  test("frame length 0 or above 16382 is bad_frame", async () => {
    await expectFatal(Uint8Array.of(0, 0), "bad_frame");
    await expectFatal(Uint8Array.of(0xff, 0x3f, 1, 2, 3), "bad_frame");
  });

  test("malformed CBOR, trailing bytes, invalid UTF-8 and deep nesting are bad_cbor", async () => {
    await expectFatal(rawFrame([0xa1, 0x64]), "bad_cbor");
    await expectFatal(rawFrame([...encodeCbor({ type: "ping" }), 0x00]), "bad_cbor");
    // {"type": <text with an invalid UTF-8 byte>}
    await expectFatal(rawFrame([0xa1, 0x64, ...Buffer.from("type"), 0x62, 0xc3, 0x28]), "bad_cbor");
    // A map, then 16 nested arrays: 17 levels.
    await expectFatal(rawFrame([0xa1, 0x61, 0x78, ...Array(16).fill(0x81), 0x00]), "bad_cbor");
  });

  test("nesting of exactly 16 levels is fine", async () => {
    const c = await pool.client(server);
    c.sendRaw(
      rawFrame([
        0xa2,
        0x61,
        0x78,
        ...Array(15).fill(0x81),
        0x00,
        0x64,
        ...Buffer.from("type"),
        0x62,
        0x7a,
        0x7a,
      ]),
    );
    expect(await c.nextReply()).toMatchObject({ code: "not_identified" });
  });

  test("frames split byte by byte and many per write are reassembled", async () => {
    const c = await pool.client(server);
    const frames = [1, 2, 3].map((ref) =>
      rawFrame(encodeCbor({ type: "ping", at: new DateTime(ref), ref })),
    );
    const all = Buffer.concat(frames);
    for (let i = 0; i < 10; i++) c.sendRaw(all.subarray(i, i + 1));
    c.sendRaw(all.subarray(10));
    for (const ref of [1, 2, 3]) expect(await c.nextReply()).toMatchObject({ type: "pong", ref });
  });
});
