import { afterAll, describe, expect, test } from "bun:test";
import { encodeCbor } from "../../src/protocol/index.ts";
import { HOLD_OUTPUT_BYTES } from "../../src/server/connection.ts";
import { captureLogger, lastFrameBeforeClose, rawFrame, ServerPool, unlimited } from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

const BIG = "z".repeat(15_000);

describe("the output budget of all connections together", () => {
  test("past it, the connection holding the most is dropped first, with slow_consumer", async () => {
    const capture = captureLogger();
    const s = await pool.start({
      ...unlimited,
      outputBudgetBytes: 1024 * 1024,
      log: capture.logger,
    });
    const small = await pool.client(s, "small");
    const large = await pool.client(s, "large");
    const publisher = await pool.client(s, "pub");
    for (const c of [small, large, publisher]) {
      await c.request({ type: "subscribe", topic: "#both" });
    }
    await large.request({ type: "subscribe", topic: "#more" });
    await publisher.request({ type: "subscribe", topic: "#more" });
    const serialOf = async (id: string) =>
      (await capture.waitFor("identified", (r) => r.fields.id === `${id}@example.com`)).fields.conn;
    const smallConn = await serialOf("small");
    const largeConn = await serialOf("large");
    small.socket.pause();
    large.socket.pause();
    const firstDrop = capture.waitFor("fatal", (r) => r.fields.code === "slow_consumer");
    let dropped = false;
    firstDrop.then(() => {
      dropped = true;
    });
    // `large` gets three times what `small` gets.
    while (!dropped) {
      for (let i = 0; i < 10; i++) {
        publisher.send({ type: "message", to: "#both", body: BIG });
        publisher.send({ type: "message", to: "#more", body: BIG });
        publisher.send({ type: "message", to: "#more", body: BIG });
      }
      for (let i = 0; i < 30; i++)
        expect(await publisher.nextReply()).toMatchObject({ type: "sent" });
    }
    const drop = await firstDrop;
    expect(drop.fields.conn).toBe(largeConn);
    expect(drop.fields.message).toContain("output budget");
    expect(capture.records.some((r) => r.event === "fatal" && r.fields.conn === smallConn)).toBe(
      false,
    );
    // What the budget counts is back under it.
    expect(s.outputBytes()).toBeLessThanOrEqual(1024 * 1024);
    large.socket.resume();
    expect(await lastFrameBeforeClose(large)).toMatchObject({
      type: "error",
      code: "slow_consumer",
      fatal: true,
    });
    // The others go on.
    small.socket.resume();
    expect(await publisher.request({ type: "subscribe", topic: "#both", ref: 1 })).toMatchObject({
      type: "subscribed",
    });
  });
});

describe("a connection that does not read its replies", () => {
  async function channelWithHistory(s: { port: number }, topic: string, n: number) {
    const writer = await pool.client(s as never, `writer-${topic.slice(1)}`);
    await writer.request({ type: "subscribe", topic });
    for (let i = 0; i < n; i++) {
      expect(await writer.request({ type: "message", to: topic, body: BIG })).toMatchObject({
        type: "sent",
      });
    }
  }

  function historyRequests(topic: string, n: number): Uint8Array {
    const frames = [];
    for (let i = 0; i < n; i++) {
      frames.push(rawFrame(encodeCbor({ type: "history", topic, last: 1, ref: i })));
    }
    return Buffer.concat(frames);
  }

  test("has its requests held back once its output backs up, and answered in order later", async () => {
    const capture = captureLogger();
    const s = await pool.start({ ...unlimited, log: capture.logger });
    await channelWithHistory(s, "#deep", 3);
    const reader = await pool.client(s, "never-reads");
    const serial = (
      await capture.waitFor("identified", (r) => r.fields.id === "never-reads@example.com")
    ).fields.conn;
    reader.socket.pause();
    const held = capture.waitFor("input_held", (r) => r.fields.conn === serial);
    // 2,000 pages of 15 KB: 30 MB of replies if they were all made.
    reader.sendRaw(historyRequests("#deep", 2000));
    await held;
    // What the server holds is about the hold threshold, not the 30 MB.
    expect(s.outputBytes()).toBeLessThan(HOLD_OUTPUT_BYTES + 256 * 1024);
    reader.socket.resume();
    for (let i = 0; i < 2000; i++) {
      const reply = await reader.nextReply(10_000);
      expect(reply).toMatchObject({ type: "backlog", ref: i });
    }
    expect(s.outputBytes()).toBe(0);
  }, 30_000);

  test("a client that reads gets every page of a burst larger than the hold threshold", async () => {
    const s = await pool.start();
    await channelWithHistory(s, "#pages", 2);
    const c = await pool.client(s, "bursty");
    // 100 pages of 15 KB in one write: 1.5 MB of replies, within the request burst.
    c.sendRaw(historyRequests("#pages", 100));
    for (let i = 0; i < 100; i++) {
      expect(await c.nextReply()).toMatchObject({ type: "backlog", ref: i });
    }
  });
});
