import { afterAll, describe, expect, test } from "bun:test";
import { encodeCbor, MAX_FRAME } from "../../src/protocol/index.ts";
import { jsonLogger } from "../../src/server/index.ts";
import { rawFrame, ServerPool, TestClient } from "./client.ts";

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
