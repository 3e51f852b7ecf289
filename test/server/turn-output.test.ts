import { afterAll, describe, expect, test } from "bun:test";
import { encodeCbor } from "../../src/protocol/index.ts";
import { HOLD_TURN } from "../../src/server/input.ts";
import {
  captureLogger,
  datetime,
  lastFrameBeforeClose,
  rawFrame,
  ServerPool,
  unlimited,
} from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

const BIG = "z".repeat(15_000);

function frames(requests: Record<string, unknown>[]): Uint8Array {
  return Buffer.concat(requests.map((r) => rawFrame(encodeCbor(r))));
}

describe("the output one turn makes", () => {
  test("requests past what a turn may make wait for the flush, and are answered in order", async () => {
    const capture = captureLogger();
    // A turn may make a quarter of the output budget: 16 KiB, about one history page.
    const s = await pool.start({ ...unlimited, outputBudgetBytes: 64 * 1024, log: capture.logger });
    const writer = await pool.client(s, "writer");
    await writer.request({ type: "subscribe", topic: "#pages" });
    expect(await writer.request({ type: "message", to: "#pages", body: BIG })).toMatchObject({
      type: "sent",
    });
    const reader = await pool.client(s, "reader");
    const serial = (
      await capture.waitFor("identified", (r) => r.fields.id === "reader@example.com")
    ).fields.conn;
    const held = capture.waitFor(
      "input_held",
      (r) => r.fields.conn === serial && r.fields.reason === HOLD_TURN,
    );
    // Ten pages of 15 KB in one write: 150 KB of replies, less than this
    // connection may have waiting (64 KiB is its own bound; the turn's is 16).
    const requests = Array.from({ length: 10 }, (_, i) => ({
      type: "history",
      topic: "#pages",
      last: 1,
      ref: i,
    }));
    reader.sendRaw(frames([...requests, { type: "ping", at: datetime(0), ref: "end" }]));
    await held;
    for (let i = 0; i < 10; i++) {
      expect(await reader.nextReply()).toMatchObject({ type: "backlog", ref: i });
    }
    expect(await reader.nextReply()).toMatchObject({ type: "pong", ref: "end" });
    expect(s.outputBytes()).toBe(0);
  });

  test("past the output budget the largest holders get slow_consumer; the others get everything", async () => {
    const capture = captureLogger();
    const budget = 4 * 1024 * 1024;
    const s = await pool.start({ ...unlimited, outputBudgetBytes: budget, log: capture.logger });
    const publisher = await pool.client(s, "pub");
    await publisher.request({ type: "subscribe", topic: "#a" });
    await publisher.request({ type: "subscribe", topic: "#b" });
    const serials = new Map<string, unknown>();
    const join = async (id: string, topics: string[]) => {
      const c = await pool.client(s, id);
      for (const topic of topics) await c.request({ type: "subscribe", topic });
      serials.set(
        id,
        (await capture.waitFor("identified", (r) => r.fields.id === `${id}@example.com`)).fields
          .conn,
      );
      return c;
    };
    // Not reading: "heavy" ones get twice what "light" ones get.
    const heavy = await Promise.all([0, 1].map((i) => join(`heavy${i}`, ["#a", "#b"])));
    const light = await Promise.all([0, 1].map((i) => join(`light${i}`, ["#a"])));
    const readers = await Promise.all([0, 1, 2].map((i) => join(`reader${i}`, ["#a"])));
    for (const c of [...heavy, ...light]) c.socket.pause();
    // Each reader counts the messages it gets; `until(n)` resolves once all have n.
    const received = readers.map(() => 0);
    let target = Number.POSITIVE_INFINITY;
    let allIn = () => {};
    readers.forEach((c, i) => {
      void (async () => {
        for (;;) {
          const e = await c.events.shift(30_000).catch(() => undefined);
          if (e === undefined) return;
          if (e.kind === "message") received[i]!++;
          if (received.every((n) => n >= target)) allIn();
        }
      })();
    });
    const until = (n: number) =>
      new Promise<void>((resolve) => {
        target = n;
        allIn = resolve;
        if (received.every((k) => k >= n)) resolve();
      });
    const dropped = () =>
      capture.records
        .filter((r) => r.event === "fatal" && r.fields.code === "slow_consumer")
        .map((r) => r.fields.conn);
    const heavyDropped = () => heavy.every((_, i) => dropped().includes(serials.get(`heavy${i}`)));
    // Bursts of 20 messages to each channel in one write, until both heavy ones are gone.
    let sent = 0;
    for (let round = 0; round < 100 && !heavyDropped(); round++) {
      const burst = [];
      for (let i = 0; i < 20; i++) {
        burst.push(
          { type: "message", to: "#a", body: BIG },
          { type: "message", to: "#b", body: BIG },
        );
      }
      publisher.sendRaw(frames(burst));
      for (let i = 0; i < burst.length; i++) {
        expect(await publisher.nextReply(10_000)).toMatchObject({ type: "sent" });
      }
      sent += 20;
      // Counted at every step: never more than the budget once it has shed.
      expect(s.outputBytes()).toBeLessThanOrEqual(budget);
    }
    expect(heavyDropped()).toBe(true);
    // The heavy ones went first: no light one before the last heavy one.
    const order = dropped();
    const lastHeavy = Math.max(...heavy.map((_, i) => order.indexOf(serials.get(`heavy${i}`))));
    for (let i = 0; i < light.length; i++) {
      const at = order.indexOf(serials.get(`light${i}`));
      if (at !== -1) expect(at).toBeGreaterThan(lastHeavy);
    }
    // No reader was dropped, and each gets every message of #a.
    for (const i of [0, 1, 2]) expect(order).not.toContain(serials.get(`reader${i}`));
    await until(sent);
    expect(received).toEqual(readers.map(() => sent));
    // The dropped ones learn why, once they read.
    heavy[0]!.socket.resume();
    expect(await lastFrameBeforeClose(heavy[0]!)).toMatchObject({
      type: "error",
      code: "slow_consumer",
    });
  }, 30_000);
});
