import { afterAll, describe, expect, test } from "bun:test";
import { DateTime } from "../../src/protocol/index.ts";
import { captureLogger, type Frame, rawFrame, ServerPool } from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

async function lastFrameBeforeClose(c: { next(): Promise<Frame> }): Promise<Frame> {
  let last: Frame | undefined;
  for (;;) {
    try {
      last = await c.next();
    } catch {
      return last!;
    }
  }
}

describe("keepalive and deadlines", () => {
  test("the server pings a silent connection and closes it with timeout without a pong", async () => {
    const s = await pool.start({ pingInterval: 0.05, pingTimeout: 0.1 });
    const c = await pool.client(s, "quiet");
    c.autoPong = false;
    const ping = await c.pings.shift();
    expect(ping.at).toBeInstanceOf(DateTime);
    const error = await c.nextReply();
    expect(error).toMatchObject({ type: "error", code: "timeout", fatal: true });
    await c.closed;
  });

  test("a connection that answers pings stays", async () => {
    const s = await pool.start({ pingInterval: 0.05, pingTimeout: 0.1 });
    const c = await pool.client(s, "lively");
    await c.pings.shift();
    await c.pings.shift();
    await c.pings.shift();
    expect(await c.request({ type: "ping", at: new DateTime(1) })).toMatchObject({ type: "pong" });
    expect(c.isClosed).toBe(false);
  });

  test("no identify in time, or a half-sent frame, is timeout", async () => {
    const s = await pool.start({ identifyTimeout: 0.1 });
    const lazy = await pool.client(s);
    expect(await lazy.nextReply()).toMatchObject({ code: "timeout", fatal: true });
    await lazy.closed;
    const half = await pool.client(s, "half");
    half.sendRaw(Uint8Array.of(10, 0, 0xa1));
    expect(await half.nextReply()).toMatchObject({ code: "timeout", fatal: true });
    await half.closed;
  });
});

describe("rate limits", () => {
  test("messages over the bucket get rate_limited and are not published", async () => {
    let clock = 1_000_000;
    const s = await pool.start({ rate: 2, burst: 3, now: () => clock });
    const c = await pool.client(s, "fast");
    await c.request({ type: "subscribe", topic: "#rl" });
    await c.nextEvent();
    for (let i = 0; i < 5; i++) c.send({ type: "message", to: "#rl", body: `${i}`, ref: i });
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await c.nextReply());
    expect(replies.map((r) => r.type)).toEqual(["sent", "sent", "sent", "error", "error"]);
    expect(replies[3]).toMatchObject({ code: "rate_limited", fatal: false, re: "message", ref: 3 });
    clock += 500; // one token back at 2/s
    expect(await c.request({ type: "message", to: "#rl", body: "later" })).toMatchObject({
      type: "sent",
      seq: 5,
    });
    const events = [];
    for (let i = 0; i < 4; i++) events.push((await c.nextEvent()).body);
    expect(events).toEqual(["0", "1", "2", "later"]);
  });

  test("a request flood gets rate_limited", async () => {
    const s = await pool.start({
      requestRate: 1,
      requestBurst: 10,
      maxSubscriptions: 4,
      now: () => 0,
    });
    const c = await pool.client(s, "flood");
    for (let i = 0; i < 15; i++) c.send({ type: "ping", at: new DateTime(i), ref: i });
    const codes = [];
    for (let i = 0; i < 15; i++) {
      const reply = await c.nextReply();
      codes.push(reply.type === "pong" ? "pong" : reply.code);
    }
    // identify took one token.
    expect(codes.filter((x) => x === "pong").length).toBe(9);
    expect(codes.slice(9)).toEqual(Array(6).fill("rate_limited"));
  });

  test("past maxConnections a connection gets busy", async () => {
    const s = await pool.start({ maxConnections: 2 });
    await pool.client(s);
    await pool.client(s);
    const third = await pool.client(s);
    expect(await third.nextReply()).toMatchObject({ code: "busy", fatal: true });
    await third.closed;
  });
});

describe("slow consumers", () => {
  test("past the outbound bound: slow_consumer, then close; frames stay whole", async () => {
    const capture = captureLogger();
    const s = await pool.start({
      maxOutboundBytes: 64 * 1024,
      rate: 1e6,
      burst: 1e6,
      log: capture.logger,
    });
    const slow = await pool.client(s, "slow");
    await slow.request({ type: "subscribe", topic: "#firehose" });
    slow.socket.pause();
    const publisher = await pool.client(s, "pub");
    await publisher.request({ type: "subscribe", topic: "#firehose" });
    const closedSlow = capture.waitFor("fatal", (r) => r.fields.code === "slow_consumer");
    let done = false;
    closedSlow.then(() => {
      done = true;
    });
    const body = "z".repeat(15_000);
    while (!done) {
      for (let i = 0; i < 20; i++) publisher.send({ type: "message", to: "#firehose", body });
      for (let i = 0; i < 20; i++)
        expect(await publisher.nextReply()).toMatchObject({ type: "sent" });
    }
    slow.socket.resume();
    const last = await lastFrameBeforeClose(slow);
    expect(last).toMatchObject({ type: "error", code: "slow_consumer", fatal: true });
    // The publisher is unaffected.
    expect(await publisher.request({ type: "ping", at: new DateTime(1) })).toMatchObject({
      type: "pong",
    });
  });
});

test("a frame split over many writes is fine while it keeps coming", async () => {
  const s = await pool.start();
  const c = await pool.client(s);
  const frame = rawFrame([0xa1, 0x64, ...Buffer.from("type"), 0x64, ...Buffer.from("ping")]);
  for (const byte of frame) c.sendRaw(Uint8Array.of(byte));
  expect(await c.nextReply()).toMatchObject({ code: "bad_message", re: "ping" });
});
