/**
 * Epochs (protocol.md §5): every `subscribed` and every available `backlog`
 * names the topic's sequence space; a memory history starts new ones at
 * every start, sqlite keeps them across restarts, and a topic whose state
 * was let go starts a new one.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryHistoryStore } from "../../src/server/index.ts";
import { type Frame, ServerPool } from "./client.ts";

const pool = new ServerPool();
const dir = mkdtempSync(join(tmpdir(), "scalar-epochs-"));
afterAll(async () => {
  await pool.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function expectEpoch(reply: Frame): string {
  const epoch = reply.epoch;
  expect(typeof epoch).toBe("string");
  const bytes = Buffer.byteLength(epoch as string);
  expect(bytes).toBeGreaterThanOrEqual(1);
  expect(bytes).toBeLessThanOrEqual(64);
  return epoch as string;
}

describe("memory history", () => {
  test("subscribed and backlog carry the topic's epoch, the same on every connection", async () => {
    const server = await pool.start();
    const a = await pool.client(server, "ann");
    const b = await pool.client(server, "bob");
    const epoch = expectEpoch(await a.request({ type: "subscribe", topic: "#e" }));
    await a.request({ type: "message", to: "#e", body: "one" });
    const again = await b.request({ type: "subscribe", topic: "#e" });
    expect(again).toMatchObject({ seq: 2, epoch });
    const page = await b.request({ type: "history", topic: "#e", after: 0 });
    expect(page).toMatchObject({ available: true, epoch });
    // The automatic subscriptions and an empty topic have epochs too.
    expectEpoch(await a.request({ type: "subscribe", topic: "ann" }));
    expectEpoch(await a.request({ type: "subscribe", topic: "!wall" }));
    expectEpoch(await a.request({ type: "history", topic: "#nothing", after: 0 }));
    // Different topics count in different spaces.
    const other = expectEpoch(await a.request({ type: "subscribe", topic: "#f" }));
    expect(other).not.toBe(epoch);
  });

  test("a restarted server numbers from 1 again in a new epoch", async () => {
    const first = await pool.start();
    const a = await pool.client(first, "ann");
    const before = expectEpoch(await a.request({ type: "subscribe", topic: "#r" }));
    await a.request({ type: "message", to: "#r", body: "before" });
    await first.stop();
    const second = await pool.start();
    const b = await pool.client(second, "ann");
    const after = await b.request({ type: "subscribe", topic: "#r" });
    expect(after.seq).toBe(0);
    expect(expectEpoch(after)).not.toBe(before);
  });

  test("a topic let go (nothing retained, nobody subscribed) starts a new epoch", async () => {
    const server = await pool.start();
    const a = await pool.client(server, "ann");
    const b = await pool.client(server, "bob");
    // A channel nobody spoke in is let go as soon as it is empty.
    const first = expectEpoch(await a.request({ type: "subscribe", topic: "#p" }));
    await a.request({ type: "unsubscribe", topic: "#p" });
    const renewed = await a.request({ type: "subscribe", topic: "#p" });
    expect(renewed.seq).toBe(0);
    expect(expectEpoch(renewed)).not.toBe(first);
    // One someone is in goes on in its epoch...
    expect(await b.request({ type: "subscribe", topic: "#p" })).toMatchObject({
      seq: 1,
      epoch: renewed.epoch,
    });
    // ...and so does one with a retained message, once everyone left.
    const kept = expectEpoch(await b.request({ type: "subscribe", topic: "#kept" }));
    await b.request({ type: "message", to: "#kept", body: "stays" });
    await b.request({ type: "unsubscribe", topic: "#kept" });
    expect(await b.request({ type: "subscribe", topic: "#kept" })).toMatchObject({
      seq: 3,
      epoch: kept,
    });
  });

  test("a topic whose retained events are all evicted is let go once nobody is in it", async () => {
    // Room for two presence events in all.
    const store = new MemoryHistoryStore({ presence: { totalEvents: 2 } });
    const server = await pool.start({ history: store });
    const a = await pool.client(server, "ann");
    const b = await pool.client(server, "bob");
    const first = expectEpoch(await a.request({ type: "subscribe", topic: "#p" }));
    await b.request({ type: "subscribe", topic: "#p" });
    // Others' presence pushes #p's two joins out while ann and bob are in.
    await a.request({ type: "subscribe", topic: "#q" });
    await b.request({ type: "subscribe", topic: "#q" });
    expect(await a.request({ type: "subscribe", topic: "#p" })).toMatchObject({
      seq: 2,
      epoch: first,
    });
    await a.request({ type: "unsubscribe", topic: "#p" });
    await b.request({ type: "unsubscribe", topic: "#p" });
    const renewed = await a.request({ type: "subscribe", topic: "#p" });
    expect(renewed.seq).toBe(0);
    expect(expectEpoch(renewed)).not.toBe(first);
  });
});

test('history "none": subscribed has an epoch, an unavailable backlog none; each reuse of a topic is new', async () => {
  const server = await pool.start({ history: "none" });
  const a = await pool.client(server, "ann");
  const first = expectEpoch(await a.request({ type: "subscribe", topic: "#n" }));
  const page = await a.request({ type: "history", topic: "#n", after: 0 });
  expect(page.available).toBe(false);
  expect("epoch" in page).toBe(false);
  await a.request({ type: "unsubscribe", topic: "#n" });
  const again = await a.request({ type: "subscribe", topic: "#n" });
  expect(again.seq).toBe(0);
  expect(expectEpoch(again)).not.toBe(first);
});

describe("sqlite history", () => {
  test("keeps each topic's epoch and counters across restarts", async () => {
    const history = `sqlite:${join(dir, "epochs.sqlite")}` as const;
    const first = await pool.start({ history });
    const a = await pool.client(first, "ann");
    const epoch = expectEpoch(await a.request({ type: "subscribe", topic: "#s" }));
    const sent = await a.request({ type: "message", to: "#s", body: "kept" });
    expect(sent.seq).toBe(2);
    await first.stop();
    const second = await pool.start({ history });
    const b = await pool.client(second, "ann");
    expect(await b.request({ type: "subscribe", topic: "#s" })).toMatchObject({ seq: 2, epoch });
    expect(await b.request({ type: "message", to: "#s", body: "next" })).toMatchObject({ seq: 4 });
    const page = await b.request({ type: "history", topic: "#s", after: 0 });
    expect(page.epoch).toBe(epoch);
    expect((page.events as Frame[]).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });
});
