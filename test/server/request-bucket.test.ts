import { afterAll, describe, expect, test } from "bun:test";
import { encodeCbor } from "../../src/protocol/index.ts";
import { type Frame, rawFrame, ServerPool, type TestClient } from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

/** Subscribes to `n` channels and asks one history page each, all in one write. */
async function reconnectBurst(c: TestClient, n: number): Promise<Frame[]> {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    frames.push(rawFrame(encodeCbor({ type: "subscribe", topic: `#burst${i}`, ref: 2 * i })));
    frames.push(
      rawFrame(encodeCbor({ type: "history", topic: `#burst${i}`, after: 0, ref: 2 * i + 1 })),
    );
  }
  c.sendRaw(Buffer.concat(frames));
  const replies: Frame[] = [];
  for (let i = 0; i < 2 * n; i++) replies.push(await c.nextReply());
  return replies;
}

describe("the request bucket is sized from the server's own limits (protocol.md §5 Limits)", () => {
  for (const maxSubscriptions of [undefined, 300]) {
    test(`limits.subscriptions subscribes and history pages in one write pass (maxSubscriptions ${maxSubscriptions ?? "default"})`, async () => {
      // A clock that stands still: no token comes back during the burst.
      const s = await pool.start({ now: () => 5_000_000, maxSubscriptions });
      const c = await pool.client(s);
      const welcome = await c.request({ type: "identify", id: "reconnecting" });
      const n = (welcome.limits as { subscriptions: number }).subscriptions;
      expect(n).toBe(maxSubscriptions ?? 100);
      const replies = await reconnectBurst(c, n);
      expect(replies.filter((r) => r.type === "error")).toEqual([]);
      for (let i = 0; i < n; i++) {
        expect(replies[2 * i]).toMatchObject({ type: "subscribed", ref: 2 * i });
        expect(replies[2 * i + 1]).toMatchObject({ type: "backlog", ref: 2 * i + 1 });
      }
    });
  }

  test("past that burst, a flood still gets rate_limited", async () => {
    const s = await pool.start({ now: () => 5_000_000, maxSubscriptions: 10 });
    const c = await pool.client(s, "flooder");
    const replies = await reconnectBurst(c, 60);
    const limited = replies.filter((r) => r.code === "rate_limited").length;
    // The default burst is 100 requests; identify took one.
    expect(limited).toBe(120 - 99);
  });

  test("a request burst set below what the contract needs is raised to it", async () => {
    const s = await pool.start({ now: () => 5_000_000, maxSubscriptions: 50, requestBurst: 20 });
    const c = await pool.client(s, "configured");
    const replies = await reconnectBurst(c, 50);
    expect(replies.filter((r) => r.type === "error")).toEqual([]);
  });
});
