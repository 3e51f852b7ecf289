import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Frame, ServerPool, type TestClient, unlimited } from "./client.ts";

const pool = new ServerPool();
const dir = mkdtempSync(join(tmpdir(), "scalar-topic-cap-"));
afterAll(async () => {
  await pool.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** The refusal the contract gives for more state than the server takes: fatal `busy`. */
async function expectBusy(c: TestClient, reply: Frame, re: string): Promise<void> {
  expect(reply).toMatchObject({ type: "error", code: "busy", fatal: true, re });
  await c.closed;
}

describe("the bound on topics with state", () => {
  test("past it a new channel is refused with busy; existing ones are still joined; a channel let go frees a place", async () => {
    const s = await pool.start({ ...unlimited, maxTopics: 3 });
    const a = await pool.client(s, "a");
    for (const topic of ["#c1", "#c2", "#c3"]) {
      expect(await a.request({ type: "subscribe", topic })).toMatchObject({ type: "subscribed" });
    }
    expect(s.topicCount()).toBe(3);
    // The own ID topic and the wall of a new connection do not count.
    const b = await pool.client(s, "b");
    expect(await b.request({ type: "subscribe", topic: "#c1", ref: 1 })).toMatchObject({
      type: "subscribed",
      ref: 1,
    });
    const c = await pool.client(s, "c");
    const refused = await c.request({ type: "subscribe", topic: "#c4", ref: 2 });
    expect(refused).toMatchObject({ ref: 2 });
    expect(String(refused.message)).toContain("3 topics");
    await expectBusy(c, refused, "subscribe");
    expect(s.topicCount()).toBe(3);
    // #c2 has no subscriber left and nothing kept of it but presence: let go.
    expect(await a.request({ type: "unsubscribe", topic: "#c2" })).toMatchObject({
      type: "unsubscribed",
    });
    expect(s.topicCount()).toBe(2);
    const d = await pool.client(s, "d");
    expect(await d.request({ type: "subscribe", topic: "#c4" })).toMatchObject({
      type: "subscribed",
    });
    expect(s.topicCount()).toBe(3);
  });

  test("what history keeps counts: a channel's messages, a never-connected ID's DMs; a connected ID does not", async () => {
    const s = await pool.start({ ...unlimited, maxTopics: 2 });
    const alice = await pool.client(s, "alice");
    await alice.request({ type: "subscribe", topic: "#kept" });
    expect(await alice.request({ type: "message", to: "#kept", body: "hi" })).toMatchObject({
      type: "sent",
    });
    await alice.request({ type: "unsubscribe", topic: "#kept" });
    // Nobody in it, but its message is kept.
    expect(s.topicCount()).toBe(1);
    expect(await alice.request({ type: "message", to: "nobody", body: "x" })).toMatchObject({
      type: "sent",
    });
    expect(s.topicCount()).toBe(2);
    // To an ID with state already, and to one that is connected: no new state.
    const bob = await pool.client(s, "bob");
    for (const to of ["nobody", "bob"]) {
      expect(await alice.request({ type: "message", to, body: "y" })).toMatchObject({
        type: "sent",
      });
    }
    expect(await bob.request({ type: "subscribe", topic: "#kept" })).toMatchObject({
      type: "subscribed",
      seq: 3,
    });
    expect(s.topicCount()).toBe(2);
    const refused = await alice.request({ type: "message", to: "nobody2", body: "z" });
    await expectBusy(alice, refused, "message");
  });

  test("a topic whose last kept event retention drops frees its place", async () => {
    const s = await pool.start({
      ...unlimited,
      maxTopics: 2,
      retention: { inbox: { totalEvents: 1 } },
    });
    const sender = await pool.client(s, "sender");
    expect(await sender.request({ type: "message", to: "x1", body: "1" })).toMatchObject({
      type: "sent",
    });
    expect(s.topicCount()).toBe(1);
    // x2's DM pushes x1's only one out of the inbox pool: x1 is let go.
    expect(await sender.request({ type: "message", to: "x2", body: "2" })).toMatchObject({
      type: "sent",
    });
    expect(s.topicCount()).toBe(1);
    expect(await sender.request({ type: "message", to: "x3", body: "3" })).toMatchObject({
      type: "sent",
    });
  });

  test("a sqlite history counts the topics it kept from before a restart", async () => {
    const history = `sqlite:${join(dir, "kept.sqlite")}` as const;
    const first = await pool.start({ ...unlimited, history });
    const sender = await pool.client(first, "sender");
    expect(await sender.request({ type: "message", to: "away", body: "1" })).toMatchObject({
      type: "sent",
    });
    sender.socket.destroy();
    await first.stop();
    const second = await pool.start({ ...unlimited, history, maxTopics: 1 });
    expect(second.topicCount()).toBe(1);
    const again = await pool.client(second, "sender");
    expect(await again.request({ type: "message", to: "away", body: "2" })).toMatchObject({
      type: "sent",
      seq: 2,
    });
    await expectBusy(
      again,
      await again.request({ type: "message", to: "other", body: "3" }),
      "message",
    );
  });
});
