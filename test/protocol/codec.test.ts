import { describe, expect, test } from "bun:test";
import {
  cborHead,
  cborHeadSize,
  concatBytes,
  DateTime,
  decodeCbor,
  decodeEnvelope,
  decodeRequest,
  decodeServerFrame,
  type EventFrame,
  encodeMessage,
  encodeMessageFrame,
  encodeWithRawArray,
  FrameDecoder,
  frameOf,
  MAX_PAYLOAD,
} from "../../src/protocol/index.ts";
import { expectCode, toHex } from "./helpers.ts";

const AT = new DateTime(1700000000);

describe("codec", () => {
  test("encodeMessageFrame is encodeMessage behind a length prefix", () => {
    const message = { type: "subscribe", topic: "#general" };
    const payload = encodeMessage(message);
    const frame = encodeMessageFrame(message);
    expect(toHex(frame)).toBe(toHex(Uint8Array.of(payload.length, 0)) + toHex(payload));
    expect(new FrameDecoder().pushAll(frame)).toEqual([Uint8Array.from(payload)]);
    expect<unknown>(decodeRequest(payload)).toEqual(message);
  });

  test("encodeMessageFrame refuses a message too large for one frame", () => {
    expectCode(
      () => encodeMessageFrame({ type: "message", to: "#a", body: "x".repeat(MAX_PAYLOAD) }),
      "bad_frame",
    );
  });

  test("decodeEnvelope and decodeServerFrame", () => {
    const envelope = decodeEnvelope(encodeMessage({ type: "ping", at: AT, ref: "p" }));
    expect(envelope.type).toBe("ping");
    expect(envelope.ref).toBe("p");
    expect(envelope.map.at).toEqual(AT);
    expect(decodeServerFrame(encodeMessage({ type: "pong", at: AT, ref: "p" }))).toEqual({
      type: "pong",
      at: AT,
      ref: "p",
    });
    expectCode(() => decodeEnvelope(Uint8Array.of(0x61)), "bad_cbor");
    expectCode(() => decodeEnvelope(Uint8Array.of(0x80)), "bad_message");
  });

  test("cborHead writes the shortest head; cborHeadSize agrees", () => {
    const cases: [number, number, string][] = [
      [4, 0, "80"],
      [4, 23, "97"],
      [4, 24, "9818"],
      [5, 255, "b8ff"],
      [5, 256, "b90100"],
      [3, 65535, "79ffff"],
      [3, 65536, "7a00010000"],
      [2, 0xffffffff, "5affffffff"],
      [0, 5, "05"],
    ];
    for (const [major, argument, hex] of cases) {
      expect(toHex(cborHead(major, argument))).toBe(hex);
      expect(cborHeadSize(argument)).toBe(hex.length / 2);
    }
  });

  test("encodeWithRawArray gives the bytes encodeMessage would", () => {
    const events: EventFrame[] = [1, 2, 3].map((seq) => ({
      type: "event",
      topic: "#a@x",
      seq,
      at: new DateTime(1700000000 + seq),
      from: "bob@x",
      kind: "message",
      body: `m${seq}`,
    }));
    const header = { type: "backlog", topic: "#a@x", available: true, more: false, ref: undefined };
    const raw = encodeWithRawArray(header, "events", events.map(encodeMessage));
    expect(toHex(raw)).toBe(
      toHex(
        encodeMessage({ type: "backlog", topic: "#a@x", available: true, more: false, events }),
      ),
    );
    expect(decodeServerFrame(raw)).toEqual({
      type: "backlog",
      topic: "#a@x",
      available: true,
      more: false,
      events,
    });
    const empty = encodeWithRawArray(
      { type: "backlog", topic: "#a@x", available: false, more: false },
      "events",
      [],
    );
    expect(decodeCbor(empty)).toEqual({
      type: "backlog",
      topic: "#a@x",
      available: false,
      more: false,
      events: [],
    });
  });

  test("frameOf and concatBytes", () => {
    expect(toHex(frameOf(Uint8Array.of(0xa0)))).toBe("0100a0");
    expectCode(() => frameOf(new Uint8Array(MAX_PAYLOAD + 1)), "too_large");
    expect(toHex(concatBytes([Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)]))).toBe(
      "010203",
    );
  });
});
