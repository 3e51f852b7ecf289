import { describe, expect, test } from "bun:test";
import { encodeFrame, FrameDecoder, MAX_FRAME, MAX_PAYLOAD } from "../../src/protocol/index.ts";
import { concat, expectCode } from "./helpers.ts";

function payload(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe("encodeFrame", () => {
  test("prefixes the payload with its little-endian 16-bit length", () => {
    expect(Array.from(encodeFrame(Uint8Array.of(0xa0)))).toEqual([0x01, 0x00, 0xa0]);
    const frame = encodeFrame(payload(300));
    expect(frame.length).toBe(302);
    expect([frame[0], frame[1]]).toEqual([0x2c, 0x01]);
    expect(frame.subarray(2)).toEqual(payload(300));
  });

  test("accepts the largest payload, 16382 bytes, making a 16384-byte frame", () => {
    const frame = encodeFrame(payload(MAX_PAYLOAD));
    expect(frame.length).toBe(MAX_FRAME);
    expect(MAX_FRAME).toBe(16384);
    expect([frame[0], frame[1]]).toEqual([0xfe, 0x3f]);
  });

  test("refuses an empty payload and one above 16382 bytes with bad_frame", () => {
    expect(expectCode(() => encodeFrame(new Uint8Array(0)), "bad_frame").fatal).toBe(true);
    expectCode(() => encodeFrame(payload(MAX_PAYLOAD + 1)), "bad_frame");
    expectCode(() => encodeFrame(payload(70000)), "bad_frame");
  });
});

describe("FrameDecoder", () => {
  const frames = [payload(1, 1), payload(17, 2), payload(300, 3), payload(MAX_PAYLOAD, 4)];
  const stream = concat(...frames.map(encodeFrame));

  test("decodes everything in one chunk", () => {
    const decoder = new FrameDecoder();
    expect(decoder.pushAll(stream)).toEqual(frames);
    expect(decoder.hasPartial).toBe(false);
  });

  test("decodes one byte at a time", () => {
    const decoder = new FrameDecoder();
    const out: Uint8Array[] = [];
    for (const byte of stream) out.push(...decoder.pushAll(Uint8Array.of(byte)));
    expect(out).toEqual(frames);
    expect(decoder.hasPartial).toBe(false);
  });

  test("decodes a header split across chunks", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(payload(300));
    expect(decoder.pushAll(frame.subarray(0, 1))).toEqual([]);
    expect(decoder.hasPartial).toBe(true);
    expect(decoder.pushAll(frame.subarray(1, 2))).toEqual([]);
    expect(decoder.pushAll(frame.subarray(2, 100))).toEqual([]);
    expect(decoder.pushAll(frame.subarray(100))).toEqual([payload(300)]);
    expect(decoder.hasPartial).toBe(false);
  });

  test("completes a held frame and then decodes the rest of the same chunk", () => {
    const decoder = new FrameDecoder();
    const a = encodeFrame(payload(10, 1));
    const b = encodeFrame(payload(20, 2));
    const c = encodeFrame(payload(30, 3));
    // Chunk 1: first header byte. Chunk 2: the rest of a, all of b, half of c.
    expect(decoder.pushAll(a.subarray(0, 1))).toEqual([]);
    expect(decoder.pushAll(concat(a.subarray(1), b, c.subarray(0, 15)))).toEqual([
      payload(10, 1),
      payload(20, 2),
    ]);
    expect(decoder.pushAll(c.subarray(15))).toEqual([payload(30, 3)]);
  });

  test("ignores empty chunks", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(payload(5));
    expect(decoder.pushAll(new Uint8Array(0))).toEqual([]);
    decoder.pushAll(frame.subarray(0, 1));
    expect(decoder.pushAll(new Uint8Array(0))).toEqual([]);
    decoder.pushAll(frame.subarray(1, 3));
    expect(decoder.pushAll(new Uint8Array(0))).toEqual([]);
    expect(decoder.pushAll(frame.subarray(3))).toEqual([payload(5)]);
  });

  test("hands out each frame during push, holding at most one incomplete frame", () => {
    const decoder = new FrameDecoder();
    const many = Array.from({ length: 50 }, (_, i) => encodeFrame(payload(100 + i, i)));
    const tail = encodeFrame(payload(MAX_PAYLOAD, 9));
    let seen = 0;
    decoder.push(concat(...many, tail.subarray(0, 1000)), () => {
      seen++;
    });
    expect(seen).toBe(50);
    expect(decoder.partialBytes).toBe(1000);
    expect(decoder.heldBytes).toBe(1024);
    decoder.push(tail.subarray(1000), () => {
      seen++;
    });
    expect(seen).toBe(51);
    expect(decoder.heldBytes).toBe(0);
    expect(decoder.partialBytes).toBe(0);
  });

  test("never holds more than one frame's bytes, whatever the chunking", () => {
    const decoder = new FrameDecoder();
    for (let at = 0; at < stream.length; at += 777) {
      decoder.pushAll(stream.subarray(at, at + 777));
      expect(decoder.heldBytes).toBeLessThanOrEqual(MAX_FRAME);
    }
  });

  describe("rejects a length of 0 or above 16382 from the header alone", () => {
    for (const [name, header] of [
      ["0", [0x00, 0x00]],
      ["16383", [0xff, 0x3f]],
      ["65535", [0xff, 0xff]],
    ] as const) {
      test(`length ${name} in one chunk`, () => {
        const decoder = new FrameDecoder();
        const error = expectCode(() => decoder.pushAll(Uint8Array.from(header)), "bad_frame");
        expect(error.fatal).toBe(true);
        expect(decoder.heldBytes).toBe(0);
      });
      test(`length ${name} split across chunks`, () => {
        const decoder = new FrameDecoder();
        expect(decoder.pushAll(Uint8Array.of(header[0]))).toEqual([]);
        expect(decoder.heldBytes).toBe(2);
        expectCode(() => decoder.pushAll(Uint8Array.of(header[1])), "bad_frame");
      });
      test(`length ${name} after good frames in the same chunk`, () => {
        const decoder = new FrameDecoder();
        const good: Uint8Array[] = [];
        expectCode(
          () =>
            decoder.push(concat(encodeFrame(payload(3)), Uint8Array.from(header)), (p) =>
              good.push(p.slice()),
            ),
          "bad_frame",
        );
        expect(good).toEqual([payload(3)]);
      });
    }
  });

  describe("a frame that arrives slowly holds what was sent, not what was announced", () => {
    test("a 16 KiB frame trickled in 37-byte pieces: at most 1 KiB or twice the bytes sent", () => {
      const decoder = new FrameDecoder();
      const frame = encodeFrame(payload(MAX_PAYLOAD, 5));
      let out: Uint8Array[] = [];
      for (let sent = 0; sent < frame.length; ) {
        const piece = frame.subarray(sent, sent + 37);
        out = decoder.pushAll(piece);
        sent += piece.length;
        if (sent === frame.length) break;
        expect(out).toEqual([]);
        expect(decoder.partialBytes).toBe(sent);
        expect(decoder.heldBytes).toBeGreaterThanOrEqual(sent);
        expect(decoder.heldBytes).toBeLessThanOrEqual(Math.max(1024, 2 * sent));
      }
      expect(out).toEqual([payload(MAX_PAYLOAD, 5)]);
      expect(decoder.heldBytes).toBe(0);
    });

    test("a header alone holds 1 KiB, not 16 KiB; a small frame holds its own size", () => {
      const big = new FrameDecoder();
      big.pushAll(Uint8Array.of(0xfe, 0x3f));
      expect(big.heldBytes).toBe(1024);
      const split = new FrameDecoder();
      split.pushAll(Uint8Array.of(0xfe));
      split.pushAll(Uint8Array.of(0x3f, 1, 2, 3));
      expect([split.partialBytes, split.heldBytes]).toEqual([5, 1024]);
      const small = new FrameDecoder();
      small.pushAll(encodeFrame(payload(300)).subarray(0, 10));
      expect(small.heldBytes).toBe(302);
    });

    test("one large piece after a small one is held whole, and the frame decodes", () => {
      const decoder = new FrameDecoder();
      const frame = encodeFrame(payload(12_000, 6));
      decoder.pushAll(frame.subarray(0, 10));
      decoder.pushAll(frame.subarray(10, 9000));
      expect(decoder.partialBytes).toBe(9000);
      expect(decoder.heldBytes).toBe(12_002);
      expect(decoder.pushAll(frame.subarray(9000))).toEqual([payload(12_000, 6)]);
    });

    test("payloads kept from grown frames stay intact while other decoders grow theirs", () => {
      const decoders = [new FrameDecoder(), new FrameDecoder(), new FrameDecoder()];
      const kept: [Uint8Array, Uint8Array][] = [];
      for (let round = 0; round < 20; round++) {
        decoders.forEach((decoder, d) => {
          const expected = payload(3000 + round * 500 + d, round * 3 + d);
          const frame = encodeFrame(expected);
          for (let at = 0; at < frame.length; at += 700) {
            // No copy: a payload of a grown frame is the decoder's own buffer.
            decoder.push(frame.subarray(at, at + 700), (p) => kept.push([p, expected]));
          }
        });
      }
      expect(kept.length).toBe(60);
      for (const [got, expected] of kept) expect(got).toEqual(expected);
    });
  });

  test("clear forgets the frame being assembled; the next bytes start a new frame", () => {
    const decoder = new FrameDecoder();
    decoder.pushAll(encodeFrame(payload(5000)).subarray(0, 3000));
    expect(decoder.heldBytes).toBe(4096);
    decoder.clear();
    expect([decoder.hasPartial, decoder.heldBytes, decoder.partialBytes]).toEqual([false, 0, 0]);
    expect(decoder.pushAll(encodeFrame(payload(7, 2)))).toEqual([payload(7, 2)]);
  });

  test("accepts a declared length of exactly 16382", () => {
    const decoder = new FrameDecoder();
    expect(decoder.pushAll(Uint8Array.of(0xfe, 0x3f))).toEqual([]);
    expect(decoder.hasPartial).toBe(true);
  });

  test("payloads that point into the chunk are views; pushAll copies them", () => {
    const decoder = new FrameDecoder();
    const chunk = encodeFrame(payload(4));
    const copies = decoder.pushAll(chunk);
    chunk.fill(0);
    expect(copies).toEqual([payload(4)]);
  });
});
