import { afterAll, describe, expect, test } from "bun:test";
import { encodeCbor, FrameDecoder } from "../../src/protocol/index.ts";
import {
  captureLogger,
  datetime,
  lastFrameBeforeClose,
  rawFrame,
  ServerPool,
  type TestClient,
  unlimited,
} from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

/** A `ping` padded to about `bytes` (unknown keys are ignored): a large frame that is valid. */
function bigPing(ref: number, bytes: number): Uint8Array {
  return rawFrame(
    encodeCbor({ type: "ping", at: datetime(ref), ref, pad: "x".repeat(bytes - 40) }),
  );
}

/** What the frame decoder holds after `bytes`: the figure the server must count. */
function heldAfter(bytes: Uint8Array): number {
  const decoder = new FrameDecoder();
  decoder.push(bytes, () => {});
  return decoder.heldBytes;
}

/** Waits for a state the test cannot be told of by an event (the server's counters). */
async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not so within ${timeoutMs} ms`);
    await Bun.sleep(2);
  }
}

describe("the input budget: half-sent frames", () => {
  test("a frame announced at 16 KiB and sent slowly counts what was sent, not 16 KiB", async () => {
    const s = await pool.start();
    const c = await pool.client(s, "slow");
    const frame = bigPing(1, 16_300);
    c.sendRaw(frame.subarray(0, 102));
    await until("1 KiB counted", () => s.inputBytes() === 1024);
    c.sendRaw(frame.subarray(102, 5000));
    await until("8 KiB counted", () => s.inputBytes() === 8192);
    c.sendRaw(frame.subarray(5000));
    expect(await c.nextReply()).toMatchObject({ type: "pong", ref: 1 });
    expect(s.inputBytes()).toBe(0);
  });

  test("past the budget the connections holding the most get busy; a frame completed before is not touched", async () => {
    const capture = captureLogger();
    const budget = 36 * 1024;
    const s = await pool.start({ ...unlimited, inputBudgetBytes: budget, log: capture.logger });
    const names = ["done", "big", "other", "mid", "s1", "s2", "s3", "s4"];
    const c = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await pool.client(s, n)] as const)),
    ) as Record<string, TestClient>;
    const frames = {
      done: bigPing(1, 16_300),
      big: bigPing(2, 16_300),
      other: bigPing(3, 12_000),
      mid: bigPing(4, 9000),
      s1: bigPing(5, 3000),
      s2: bigPing(6, 3000),
      s3: bigPing(7, 3000),
      s4: bigPing(8, 3000),
    } as Record<string, Uint8Array>;
    const cut = {
      done: 9000,
      big: 9000,
      other: 9000,
      mid: 5000,
      s1: 500,
      s2: 500,
      s3: 500,
      s4: 500,
    };
    let counted = 0;
    const sendPart = async (name: keyof typeof cut) => {
      const part = frames[name]!.subarray(0, cut[name]);
      c[name]!.sendRaw(part);
      counted += heldAfter(part);
      await until(`${name}'s part counted`, () => s.inputBytes() === counted);
    };
    // 16 KiB (done) + 4 × 1 KiB + 16 KiB (big): just under the 36 KiB.
    for (const name of ["done", "s1", "s2", "s3", "s4", "big"] as const) await sendPart(name);
    expect(counted).toBeLessThanOrEqual(budget);
    expect(counted + heldAfter(frames.other!.subarray(0, cut.other))).toBeGreaterThan(budget);
    // `done` completes its frame: it holds nothing any more.
    c.done!.sendRaw(frames.done!.subarray(cut.done));
    expect(await c.done!.nextReply()).toMatchObject({ type: "pong", ref: 1 });
    counted -= heldAfter(frames.done!.subarray(0, cut.done));
    await until("done's frame no longer counted", () => s.inputBytes() === counted);
    // Had `done` still held its 16 KiB, this would have dropped it (the first of the largest).
    await sendPart("other");
    // `mid`'s 8 KiB take the total past the budget: `big` holds the most and goes.
    const shed = capture.waitFor("budget_shed");
    c.mid!.sendRaw(frames.mid!.subarray(0, cut.mid));
    const record = await shed;
    const bigHeld = heldAfter(frames.big!.subarray(0, cut.big));
    expect(record.fields).toMatchObject({ budget: "input", bytes: bigHeld, remote: "127.0.0.1" });
    expect(await lastFrameBeforeClose(c.big!)).toMatchObject({
      type: "error",
      code: "busy",
      fatal: true,
    });
    await c.big!.closed;
    expect(capture.records.filter((r) => r.event === "budget_shed")).toHaveLength(1);
    expect(s.inputBytes()).toBeLessThanOrEqual((budget * 7) / 8);
    // Everyone else finishes their frames and goes on.
    for (const name of ["other", "mid", "s1", "s2", "s3", "s4"] as const) {
      c[name]!.sendRaw(frames[name]!.subarray(cut[name]));
    }
    let ref = 3;
    for (const name of ["other", "mid", "s1", "s2", "s3", "s4"] as const) {
      expect(await c[name]!.nextReply()).toMatchObject({ type: "pong", ref: ref++ });
    }
    expect(await c.done!.request({ type: "ping", at: datetime(9), ref: 9 })).toMatchObject({
      type: "pong",
      ref: 9,
    });
    expect(s.inputBytes()).toBe(0);
  });

  test("a connection dropped while a frame is half-sent stops counting at once", async () => {
    const s = await pool.start({ identifyTimeout: 60 });
    const c = await pool.client(s);
    c.sendRaw(bigPing(1, 16_300).subarray(0, 9000));
    await until("the frame counted", () => s.inputBytes() > 8192);
    c.socket.destroy();
    await until("nothing counted", () => s.inputBytes() === 0);
  });
});

describe("the input budget: requests held back", () => {
  test("requests held while output backs up count, and past the budget the holder gets busy", async () => {
    const capture = captureLogger();
    const s = await pool.start({ ...unlimited, inputBudgetBytes: 4096, log: capture.logger });
    const writer = await pool.client(s, "writer");
    await writer.request({ type: "subscribe", topic: "#deep" });
    for (let i = 0; i < 3; i++) {
      await writer.request({ type: "message", to: "#deep", body: "z".repeat(15_000) });
    }
    const reader = await pool.client(s, "never-reads");
    reader.socket.pause();
    const requests = Array.from({ length: 2000 }, (_, i) =>
      rawFrame(encodeCbor({ type: "history", topic: "#deep", last: 1, ref: i })),
    );
    const shed = capture.waitFor("budget_shed");
    reader.sendRaw(Buffer.concat(requests));
    expect((await shed).fields).toMatchObject({ budget: "input", remote: "127.0.0.1" });
    expect(s.inputBytes()).toBe(0);
    reader.socket.resume();
    expect(await lastFrameBeforeClose(reader, 5000)).toMatchObject({ code: "busy", fatal: true });
    // The writer, which held nothing, goes on.
    expect(await writer.request({ type: "ping", at: datetime(1), ref: 1 })).toMatchObject({
      type: "pong",
    });
  });
});
