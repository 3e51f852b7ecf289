/**
 * A store that cannot write (issue: full disk): a message is acknowledged
 * only once stored, a failed one gets `internal` and reaches nobody, the
 * connection goes on, and no seq is handed out twice in an epoch, across a
 * restart too. The failures are real SQLite write errors: a read-only
 * switch, and a file that may not grow.
 */
import type { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DateTime, encodeMessageFrame, type Outgoing } from "../../src/protocol/index.ts";
import { SqliteHistoryStore } from "../../src/server/index.ts";
import { type Frame, rawFrame, ServerPool } from "./client.ts";

const pool = new ServerPool();
const dir = mkdtempSync(join(tmpdir(), "scalar-failure-"));
afterAll(async () => {
  await pool.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const dbOf = (store: SqliteHistoryStore) => (store as unknown as { db: Database }).db;
const seqs = (page: Frame) => (page.events as Frame[]).map((e) => e.seq);

describe("a store write that fails", () => {
  test("gets internal, is published to nobody, and its seq is the next message's", async () => {
    const path = join(dir, "readonly.sqlite");
    const store = new SqliteHistoryStore(path);
    const server = await pool.start({ history: store });
    const a = await pool.client(server, "ann");
    const b = await pool.client(server, "bob");
    await a.request({ type: "subscribe", topic: "#f" });
    await b.request({ type: "subscribe", topic: "#f" });
    expect(await a.request({ type: "message", to: "#f", body: "ok1" })).toMatchObject({ seq: 3 });
    dbOf(store).run("PRAGMA query_only = ON");
    expect(await a.request({ type: "message", to: "#f", body: "lost", ref: 7 })).toMatchObject({
      type: "error",
      code: "internal",
      fatal: false,
      re: "message",
      ref: 7,
    });
    dbOf(store).run("PRAGMA query_only = OFF");
    // The same connection goes on; the failed message took no seq.
    expect(await a.request({ type: "message", to: "#f", body: "ok2" })).toMatchObject({ seq: 4 });
    const seen: Frame[] = [];
    while (seen.at(-1)?.body !== "ok2") seen.push(await b.nextEvent());
    expect(seen.map((e) => [e.seq, e.body ?? e.kind])).toEqual([
      [2, "join"],
      [3, "ok1"],
      [4, "ok2"],
    ]);
    expect(seqs(await b.request({ type: "history", topic: "#f", after: 0 }))).toEqual([1, 2, 3, 4]);
  });

  test("replies stay in request order around a failed write, and before a fatal error", async () => {
    const store = new SqliteHistoryStore(join(dir, "order.sqlite"));
    const server = await pool.start({ history: store, rate: 1000, burst: 1000 });
    const a = await pool.client(server, "ann");
    await a.request({ type: "subscribe", topic: "#o" });
    const frames = (...messages: Outgoing[]) =>
      Buffer.concat(messages.map((m) => encodeMessageFrame(m)));
    const ping = (ref: number): Outgoing => ({ type: "ping", at: new DateTime(1), ref });
    a.sendRaw(
      frames(
        { type: "message", to: "#o", body: "1", ref: 1 },
        { type: "message", to: "#o", body: "2", ref: 2 },
        ping(3),
        { type: "message", to: "#nope", body: "3", ref: 4 },
      ),
    );
    const replies = [
      await a.nextReply(),
      await a.nextReply(),
      await a.nextReply(),
      await a.nextReply(),
    ];
    expect(replies.map((r) => [r.type, r.ref])).toEqual([
      ["sent", 1],
      ["sent", 2],
      ["pong", 3],
      ["error", 4],
    ]);
    dbOf(store).run("PRAGMA query_only = ON");
    a.sendRaw(frames({ type: "message", to: "#o", body: "x", ref: 5 }, ping(6)));
    expect([(await a.nextReply()).code, (await a.nextReply()).type]).toEqual(["internal", "pong"]);
    dbOf(store).run("PRAGMA query_only = OFF");
    // A message, then a frame that ends the connection, in one write: the
    // message is answered (it is stored) before the fatal error.
    a.sendRaw(
      Buffer.concat([
        encodeMessageFrame({ type: "message", to: "#o", body: "last", ref: 8 }),
        rawFrame([]),
      ]),
    );
    expect(await a.nextReply()).toMatchObject({ type: "sent", ref: 8, seq: 4 });
    expect(await a.nextReply()).toMatchObject({ type: "error", code: "bad_frame", fatal: true });
  });
});

test("on a full disk every `sent` is stored and nothing is numbered twice after a restart", async () => {
  const path = join(dir, "full.sqlite");
  const store = new SqliteHistoryStore(path);
  const server = await pool.start({ history: store, rate: 10_000, burst: 10_000 });
  const a = await pool.client(server, "ann");
  await a.request({ type: "subscribe", topic: "#disk" });
  // Room for a few dozen of these messages, then the file may not grow.
  const db = dbOf(store);
  const { page_count } = db.query("PRAGMA page_count").get() as { page_count: number };
  db.run(`PRAGMA max_page_count = ${page_count + 30}`);
  const body = "x".repeat(4000);
  const acknowledged: number[] = [];
  let refused = 0;
  for (let i = 0; i < 40; i++) {
    // In bursts of ten, so that writes are batched as under load.
    const burst = Array.from({ length: 10 }, (_, k) =>
      encodeMessageFrame({ type: "message", to: "#disk", body, ref: i * 10 + k }),
    );
    a.sendRaw(Buffer.concat(burst));
    for (let k = 0; k < 10; k++) {
      const reply = await a.nextReply();
      if (reply.type === "sent") acknowledged.push(reply.seq as number);
      else if (reply.code === "internal") refused++;
      else throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    }
  }
  expect(refused).toBeGreaterThan(0);
  expect(acknowledged.length).toBeGreaterThan(0);
  // Acknowledged seqs follow the join without a gap: refused messages took none.
  expect(acknowledged).toEqual(Array.from({ length: acknowledged.length }, (_, i) => i + 2));
  const epoch = (await a.request({ type: "subscribe", topic: "#disk" })).epoch;
  await server.stop();

  const again = await pool.start({ history: `sqlite:${path}` });
  const b = await pool.client(again, "bob");
  const resubscribed = await b.request({ type: "subscribe", topic: "#disk" });
  expect(resubscribed).toMatchObject({ seq: acknowledged.at(-1), epoch });
  let after = 0;
  const stored: number[] = [];
  for (;;) {
    const page = await b.request({ type: "history", topic: "#disk", after, limit: 1000 });
    stored.push(...(seqs(page) as number[]));
    after = stored.at(-1) ?? 0;
    if (!page.more) break;
  }
  // Every acknowledged message is there, and the next event takes the next seq.
  expect(stored.filter((s) => s < (resubscribed.seq as number) + 1)).toEqual([1, ...acknowledged]);
  expect(await b.request({ type: "message", to: "#disk", body: "after" })).toMatchObject({
    seq: (resubscribed.seq as number) + 2,
  });
});
