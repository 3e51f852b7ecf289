import { afterAll, describe, expect, test } from "bun:test";
import { encodeCbor, MAX_FRAME } from "../../src/protocol/index.ts";
import { jsonLogger } from "../../src/server/index.ts";
import { datetime, rawFrame, ServerPool, TestClient } from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

describe("replies that echo the request", () => {
  test("an unknown type of 8 KB gets unknown_type, clipped, and the connection stays", async () => {
    const s = await pool.start();
    const c = await pool.client(s, "echo");
    const type = "x".repeat(8 * 1024);
    const reply = await c.request({ type, ref: 7 });
    expect(reply).toMatchObject({ type: "error", code: "unknown_type", fatal: false, ref: 7 });
    expect((reply.re as string).startsWith("xxxx")).toBe(true);
    expect(new TextEncoder().encode(reply.re as string).length).toBeLessThanOrEqual(64);
    expect((reply.message as string).length).toBeLessThan(1024);
    expect(await c.request({ type: "subscribe", topic: "#still", ref: 8 })).toMatchObject({
      type: "subscribed",
      ref: 8,
    });
  });

  test("a type as large as a frame allows, in multi-byte text, still gets unknown_type", async () => {
    const s = await pool.start();
    const c = await pool.client(s, "wide");
    // 3-byte characters up to the largest payload: clipping must count bytes.
    const type = "€".repeat(Math.floor((MAX_FRAME - 2 - 16) / 3));
    const payload = encodeCbor({ type });
    expect(payload.length).toBeLessThanOrEqual(MAX_FRAME - 2);
    c.sendRaw(rawFrame(payload));
    const reply = await c.nextReply();
    expect(reply).toMatchObject({ code: "unknown_type", fatal: false });
    expect((reply.re as string).endsWith("…")).toBe(true);
    expect(new TextEncoder().encode(reply.re as string).length).toBeLessThanOrEqual(64);
  });
});

describe("the log", () => {
  test("a 16 KB agent does not make 16 KB of log", async () => {
    const lines: string[] = [];
    const s = await pool.start({ log: jsonLogger({ verbose: true, write: (l) => lines.push(l) }) });
    const agent = "a".repeat(16_000);
    for (let i = 0; i < 5; i++) {
      const c = await TestClient.identified(s.port, `noisy${i}`, { agent });
      // A bad request is logged too (at debug), echoing its type.
      expect(await c.request({ type: "b".repeat(4096) })).toMatchObject({ code: "unknown_type" });
      await c.close();
    }
    const total = lines.reduce((n, line) => n + line.length, 0);
    const identified = lines.filter((l) => l.includes('"identified"'));
    expect(identified.length).toBe(5);
    for (const line of identified) expect(line).toContain(`"agent":"${"a".repeat(200)}`);
    for (const line of lines) expect(line.length).toBeLessThan(1024);
    // About four lines per connection (open, identified, error_reply, close).
    expect(total).toBeLessThan(5 * 4 * 1024);
  });
});

describe("a fatal frame after requests in the same read", () => {
  for (const [what, bad, code] of [
    ["a frame length of 0", Uint8Array.of(0, 0), "bad_frame"],
    ["malformed CBOR", rawFrame([0xa1, 0x61]), "bad_cbor"],
  ] as const) {
    test(`${what}: every request before it is answered first`, async () => {
      const s = await pool.start();
      const c = await pool.client(s);
      const frames = [
        { type: "identify", id: "pipeliner", ref: 1 },
        { type: "subscribe", topic: "#pipe", ref: 2 },
        { type: "message", to: "#pipe", body: "hello", ref: 3 },
      ].map((m) => rawFrame(encodeCbor(m)));
      c.sendRaw(Buffer.concat([...frames, bad]));
      const replies = [];
      for (let i = 0; i < 4; i++) replies.push(await c.nextReply());
      expect(replies.map((r) => [r.type, r.ref])).toEqual([
        ["welcome", 1],
        ["subscribed", 2],
        ["sent", 3],
        ["error", undefined],
      ]);
      expect(replies[3]).toMatchObject({ code, fatal: true });
      await c.closed;
      // The message was published once, and history has it.
      const reader = await pool.client(s, "reader");
      const backlog = await reader.request({ type: "history", topic: "#pipe", after: 0 });
      const bodies = (backlog.events as { kind: string; body?: string }[])
        .filter((e) => e.kind === "message")
        .map((e) => e.body);
      expect(bodies).toEqual(["hello"]);
    });
  }
});

describe("the half-sent deadline", () => {
  const ping = (ref: number) => rawFrame(encodeCbor({ type: "ping", at: datetime(ref), ref }));

  test("measures each frame: writes that always end mid-frame are fine while frames complete", async () => {
    let clock = 1_000_000;
    const s = await pool.start({
      identifyTimeout: 0.1,
      pingInterval: 0.05,
      pingTimeout: 60,
      now: () => clock,
    });
    const c = await pool.client(s, "trickle");
    c.autoPong = false;
    let half = ping(0).subarray(0, 5);
    let rest = ping(0).subarray(5);
    c.sendRaw(half);
    let pong: Uint8Array = new Uint8Array(0);
    for (let i = 1; i <= 10; i++) {
      // The rest of frame i-1, a pong for the last server ping, half of frame i.
      const next = ping(i);
      c.sendRaw(Buffer.concat([rest, pong, next.subarray(0, 5)]));
      half = next.subarray(0, 5);
      rest = next.subarray(5);
      expect(await c.nextReply()).toMatchObject({ type: "pong", ref: i - 1 });
      // 60 ms per frame, 600 ms in all: well past the 100 ms deadline.
      clock += 60;
      // A sweep ran at the new time and found nothing overdue.
      const serverPing = await c.pings.shift();
      pong = rawFrame(encodeCbor({ type: "pong", at: serverPing.at }));
    }
    expect(c.isClosed).toBe(false);
    c.sendRaw(Buffer.concat([rest, pong]));
    expect(await c.nextReply()).toMatchObject({ type: "pong", ref: 10 });
  });

  test("one frame left half-sent past the deadline is timeout", async () => {
    let clock = 1_000_000;
    const s = await pool.start({ identifyTimeout: 0.1, now: () => clock });
    const c = await pool.client(s, "stuck");
    c.sendRaw(Buffer.concat([ping(1), ping(2).subarray(0, 5)]));
    expect(await c.nextReply()).toMatchObject({ type: "pong", ref: 1 });
    clock += 150;
    expect(await c.nextReply()).toMatchObject({ code: "timeout", fatal: true });
    await c.closed;
  });
});
