import { describe, expect, test } from "bun:test";
import { decodeServerFrame, FrameDecoder } from "../../src/protocol/index.ts";
import { encodeEventFrame, encodeSentFrame } from "../../src/server/wire.ts";

const event = (seq: number) => ({
  topic: "#general@test.local",
  seq,
  at: 1_764_000_000_000 + seq,
  from: "alice@test.local",
  kind: "message" as const,
  body: `hello ${seq}`,
});

describe("hot-path frames", () => {
  test("events decode to what was encoded", () => {
    const { buffer, start, end } = encodeEventFrame(event(7));
    const [payload] = new FrameDecoder().pushAll(buffer.subarray(start, end));
    const frame = decodeServerFrame(payload!);
    expect(frame).toMatchObject({ type: "event", seq: 7, body: "hello 7", kind: "message" });
    expect(frame.type === "event" && frame.at.millis).toBe(1_764_000_000_007);
  });

  test("consecutive events are adjacent even with sent frames between them", () => {
    // A subscriber's queue writes a run of adjacent frames without a copy;
    // a sent frame written between two events would break that run (it
    // once cost a third of the fan-out throughput).
    // Start at the head of a fresh arena, so both events fit in it.
    let first = encodeEventFrame(event(1));
    for (let i = 0; first.start !== 0 && i < 10_000; i++) first = encodeEventFrame(event(1));
    expect(first.start).toBe(0);
    const sent = encodeSentFrame("#general@test.local", 1, 1_764_000_000_001, 5);
    const second = encodeEventFrame(event(2));
    expect(second.buffer === first.buffer && second.start === first.end).toBe(true);
    const [payload] = new FrameDecoder().pushAll(sent);
    expect(decodeServerFrame(payload!)).toMatchObject({ type: "sent", seq: 1, ref: 5 });
  });
});
