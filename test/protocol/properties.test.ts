import { describe, expect, test } from "bun:test";
import { decode as cborxDecode, Encoder, FLOAT32_OPTIONS } from "cbor-x";
import fc from "fast-check";
import {
  DateTime,
  decodeCbor,
  decodeRequest,
  decodeServerFrame,
  encodeCbor,
  encodeFrame,
  encodeMessage,
  encodeMessageFrame,
  FrameDecoder,
  MAX_PAYLOAD,
  parseRequest,
  parseServerFrame,
  readEnvelope,
  ScalarError,
} from "../../src/protocol/index.ts";
import { requestArb, serverFrameArb } from "./arbitraries.ts";
import { concat } from "./helpers.ts";

// A fixed seed keeps every run identical; bump it locally to explore.
const SEED = 0x5ca1a7;
const params = (numRuns: number) => ({ seed: SEED, numRuns });

/**
 * Walks one CBOR item and fails unless every head is in preferred form:
 * shortest argument, definite lengths, no tag but 1.
 */
function assertPreferred(bytes: Uint8Array): void {
  let at = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const item = (): void => {
    const head = bytes[at++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    if (major === 7) {
      at += info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : info === 24 ? 1 : 0;
      return;
    }
    expect(info).toBeLessThan(28); // definite, not reserved
    let arg: number;
    if (info < 24) arg = info;
    else if (info === 24) {
      arg = bytes[at]!;
      expect(arg).toBeGreaterThanOrEqual(24);
    } else if (info === 25) {
      arg = view.getUint16(at);
      expect(arg).toBeGreaterThan(0xff);
    } else if (info === 26) {
      arg = view.getUint32(at);
      expect(arg).toBeGreaterThan(0xffff);
    } else {
      arg = Number(view.getBigUint64(at));
      expect(arg).toBeGreaterThan(0xffffffff);
    }
    at += info < 24 ? 0 : 2 ** (info - 24);
    if (major === 2 || major === 3) at += arg;
    else if (major === 4) for (let i = 0; i < arg; i++) item();
    else if (major === 5) for (let i = 0; i < 2 * arg; i++) item();
    else if (major === 6) {
      expect(arg).toBe(1);
      item();
    }
  };
  item();
  expect(at).toBe(bytes.length);
}

describe("round trips", () => {
  test("every request: encode -> frame -> decode -> validate gives an equal value", () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const frame = encodeMessageFrame(request);
        const [payload, ...rest] = new FrameDecoder().pushAll(frame);
        expect(rest).toEqual([]);
        expect<unknown>(decodeRequest(payload!)).toEqual(request);
      }),
      params(400),
    );
  });

  test("every server frame: encode -> decode -> validate gives an equal value", () => {
    fc.assert(
      fc.property(serverFrameArb, (frame) => {
        expect<unknown>(decodeServerFrame(encodeMessage(frame))).toEqual(frame);
      }),
      params(400),
    );
  });

  test("the encoder writes preferred serialization with no tag but 1", () => {
    fc.assert(
      fc.property(fc.oneof(requestArb, serverFrameArb), (message) => {
        assertPreferred(encodeMessage(message));
      }),
      params(300),
    );
  });
});

/** mulberry32: a tiny seeded generator for the encoder's choices. */
function prng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

/**
 * A deliberately unusual CBOR encoder: random head widths (never too small),
 * indefinite lengths with random chunking, single floats where exact. Every
 * output is well-formed, so a receiver must read it as the plain encoding.
 */
function encodeVaried(value: unknown, pick: (n: number) => number): number[] {
  const out: number[] = [];
  const head = (major: number, arg: number | bigint) => {
    const n = BigInt(arg);
    const widths = [n < 24n ? 0 : -1, n < 0x100n ? 1 : -1, n < 0x10000n ? 2 : -1]
      .concat(n < 0x100000000n ? 4 : -1, 8)
      .filter((w) => w >= 0);
    const width = widths[pick(widths.length)]!;
    if (width === 0) return out.push((major << 5) | Number(n));
    out.push((major << 5) | { 1: 24, 2: 25, 4: 26, 8: 27 }[width]!);
    for (let i = width - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
  };
  const number = (x: number) => {
    if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER && !Object.is(x, -0)) {
      return x >= 0 ? head(0, x) : head(1, -1 - x);
    }
    const view = new DataView(new ArrayBuffer(8));
    if (Math.fround(x) === x && pick(2) === 0) {
      view.setFloat32(0, x);
      out.push(0xfa, ...new Uint8Array(view.buffer, 0, 4));
    } else {
      view.setFloat64(0, x);
      out.push(0xfb, ...new Uint8Array(view.buffer));
    }
  };
  const string = (major: number, bytes: Uint8Array, cuts: number[]) => {
    if (pick(3) > 0) {
      head(major, bytes.length);
      out.push(...bytes);
      return;
    }
    out.push((major << 5) | 31);
    let from = 0;
    for (const to of [...cuts.filter(() => pick(2) === 0), bytes.length]) {
      head(major, to - from);
      out.push(...bytes.subarray(from, to));
      from = to;
    }
    out.push(0xff);
  };
  const item = (v: unknown): void => {
    if (v === null) out.push(0xf6);
    else if (typeof v === "boolean") out.push(v ? 0xf5 : 0xf4);
    else if (typeof v === "number") number(v);
    else if (typeof v === "bigint") head(0, v);
    else if (typeof v === "string") {
      // Text chunks must each be valid UTF-8: cut only between characters.
      const cuts: number[] = [];
      let at = 0;
      for (const ch of v) {
        at += new TextEncoder().encode(ch).length;
        cuts.push(at);
      }
      string(3, new TextEncoder().encode(v), cuts.slice(0, -1));
    } else if (v instanceof Uint8Array) {
      string(
        2,
        v,
        Array.from({ length: Math.max(0, v.length - 1) }, (_, i) => i + 1),
      );
    } else if (v instanceof DateTime) {
      head(6, 1);
      number(v.seconds);
    } else if (Array.isArray(v)) {
      const indefinite = pick(2) === 0;
      if (indefinite) out.push(0x9f);
      else head(4, v.length);
      for (const x of v) item(x);
      if (indefinite) out.push(0xff);
    } else {
      const entries = Object.entries(v as Record<string, unknown>).filter(
        ([, x]) => x !== undefined,
      );
      const indefinite = pick(2) === 0;
      if (indefinite) out.push(0xbf);
      else head(5, entries.length);
      for (const [k, x] of entries) {
        item(k);
        item(x);
      }
      if (indefinite) out.push(0xff);
    }
  };
  item(value);
  return out;
}

describe("receivers accept any well-formed encoding", () => {
  test("requests in unusual encodings validate to the same value", () => {
    fc.assert(
      fc.property(requestArb, fc.nat(), (request, seed) => {
        const bytes = Uint8Array.from(encodeVaried(request, prng(seed)));
        expect<unknown>(decodeRequest(bytes)).toEqual(request);
      }),
      params(400),
    );
  });

  test("server frames in unusual encodings validate to the same value", () => {
    fc.assert(
      fc.property(serverFrameArb, fc.nat(), (frame, seed) => {
        const bytes = Uint8Array.from(encodeVaried(frame, prng(seed)));
        expect<unknown>(decodeServerFrame(bytes)).toEqual(frame);
      }),
      params(400),
    );
  });
});

describe("framing", () => {
  const payloads = fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: MAX_PAYLOAD }) },
    ),
    { maxLength: 8 },
  );

  test("any chunking of a stream yields the frames one chunk does", () => {
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(), { maxLength: 20 }), (frames, cuts) => {
        const stream = concat(...frames.map(encodeFrame));
        const whole = new FrameDecoder().pushAll(stream);
        expect(whole).toEqual(frames);
        const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)))]
          .sort((a, b) => a - b)
          .concat(stream.length);
        const decoder = new FrameDecoder();
        const chunked: Uint8Array[] = [];
        let from = 0;
        for (const to of points) {
          chunked.push(...decoder.pushAll(stream.subarray(from, to)));
          from = to;
        }
        expect(chunked).toEqual(frames);
        expect(decoder.hasPartial).toBe(false);
      }),
      params(150),
    );
  });
});

describe("hostile input only ever throws ScalarError", () => {
  /** The server's and the client's whole receive path over one byte stream. */
  function receive(stream: Uint8Array, chunk: number): void {
    const decoder = new FrameDecoder();
    const onFrame = (payload: Uint8Array) => {
      for (const validate of [
        (value: unknown) => parseRequest(readEnvelope(value)),
        (value: unknown) => parseServerFrame(value),
      ]) {
        try {
          validate(decodeCbor(payload));
        } catch (error) {
          if (!(error instanceof ScalarError)) throw error;
        }
      }
    };
    try {
      for (let at = 0; at < stream.length; at += chunk) {
        decoder.push(stream.subarray(at, at + chunk), onFrame);
      }
    } catch (error) {
      if (!(error instanceof ScalarError)) throw error;
      expect(error.code).toBe("bad_frame");
    }
  }

  /** Payload-level check: never anything but a ScalarError. */
  function decodeAll(payload: Uint8Array): void {
    try {
      const value = decodeCbor(payload);
      try {
        parseRequest(readEnvelope(value));
      } catch (error) {
        if (!(error instanceof ScalarError)) throw error;
      }
      parseServerFrame(value);
    } catch (error) {
      if (!(error instanceof ScalarError)) throw error;
    }
  }

  // Bytes that steer a CBOR decoder into its interesting corners.
  const cborish = fc
    .uint8Array({ maxLength: 64 })
    .chain((noise) =>
      fc
        .array(
          fc.oneof(
            fc.constantFrom(
              0x9f,
              0xbf,
              0x7f,
              0x5f,
              0xff,
              0x1b,
              0x3b,
              0x5b,
              0x7b,
              0x9b,
              0xbb,
              0xdb,
              0xc1,
              0xd9,
              0xf9,
              0xfa,
              0xfb,
              0xf8,
              0x1c,
              0x1f,
              0xa1,
              0x81,
              0x64,
              0x74,
              0x79,
              0x70,
              0x65,
              0xc3,
              0xed,
              0xa0,
              0x80,
              0xf4,
              0x00,
              0x18,
            ),
            fc.integer({ min: 0, max: 255 }),
          ),
          { maxLength: 64 },
        )
        .map((picked) => concat(Uint8Array.from(picked), noise)),
    );

  test("random payloads", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), cborish), decodeAll),
      params(4000),
    );
  });

  test("random byte streams, in any chunk size", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.integer({ min: 1, max: 64 }), receive),
      params(500),
    );
  });

  const mutation = fc.record({
    kind: fc.constantFrom("flip", "set", "insert", "delete", "truncate"),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  function mutate(
    input: Uint8Array,
    mutations: { kind: string; at: number; byte: number }[],
  ): Uint8Array {
    let bytes = Array.from(input);
    for (const { kind, at: where, byte } of mutations) {
      const at = bytes.length === 0 ? 0 : where % bytes.length;
      if (kind === "flip") bytes[at] = (bytes[at] ?? 0) ^ (1 << (byte & 7));
      else if (kind === "set") bytes[at] = byte;
      else if (kind === "insert") bytes.splice(at, 0, byte);
      else if (kind === "delete") bytes.splice(at, 1);
      else bytes = bytes.slice(0, at);
    }
    return Uint8Array.from(bytes);
  }
  const message = fc.oneof(requestArb, serverFrameArb).map(encodeMessage);

  test("mutated valid payloads", () => {
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 4 }), (payload, m) =>
        decodeAll(mutate(payload, m)),
      ),
      params(3000),
    );
  });

  test("mutated valid frame streams", () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 4 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 100 }),
        (payloads, m, chunk) => receive(mutate(concat(...payloads.map(encodeFrame)), m), chunk),
      ),
      params(400),
    );
  });
});

describe("differential: decodeCbor agrees with cbor-x on plain data", () => {
  const key = fc.string({ unit: "binary", maxLength: 12 }).filter((k) => k !== "__proto__");
  const leaf = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.integer({ min: -1000, max: 1000 }),
    fc.double(),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ minLength: 60, maxLength: 300 }),
    fc.uint8Array({ maxLength: 40 }),
    // 64-bit integers beyond 2^53: both sides give bigints. (In the safe range
    // cbor-x gives a bigint for an 8-byte head and we give a number.)
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
    fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) - 1n }),
  );
  const { value: plain } = fc.letrec((tie) => ({
    value: fc.oneof({ maxDepth: 6, depthSize: "small" }, leaf, tie("array"), tie("object")),
    array: fc.array(tie("value"), { maxLength: 5 }),
    object: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  }));
  const base = {
    useRecords: false,
    mapsAsObjects: true,
    tagUint8Array: false,
    useTag259ForMaps: false,
  };
  const encoders: [string, Encoder][] = [
    ["shortest maps", new Encoder({ ...base, variableMapSize: true } as never)],
    ["16-bit map heads", new Encoder(base as never)],
    [
      "float32 where exact",
      new Encoder({ ...base, useFloat32: FLOAT32_OPTIONS.DECIMAL_FIT } as never),
    ],
    ["always float32", new Encoder({ ...base, useFloat32: FLOAT32_OPTIONS.ALWAYS } as never)],
  ];
  for (const [name, encoder] of encoders) {
    test(name, () => {
      fc.assert(
        fc.property(plain, (value) => {
          const bytes = encoder.encode(value);
          expect(decodeCbor(bytes)).toEqual(cborxDecode(bytes));
        }),
        params(400),
      );
    });
  }
});

describe("maps with keys of any kind", () => {
  // Text keys decode to an object; one key of another kind makes the whole
  // map a Map with every entry in wire order, at every level of nesting.
  type Tree = unknown;
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ maxDepth: 5, depthSize: "small" }, fc.integer(), fc.string(), tie("map")),
    map: fc
      .array(
        fc.tuple(
          fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -5, max: 50 })),
          tie("tree"),
        ),
        {
          maxLength: 6,
        },
      )
      .map((entries) => new Map<unknown, Tree>(entries)),
  }));
  const expected = (value: Tree): Tree => {
    if (!(value instanceof Map)) return value;
    const entries = [...value].map(([k, v]) => [k, expected(v)] as const);
    if (entries.every(([k]) => typeof k === "string")) {
      const object: Record<string, unknown> = Object.create(null);
      for (const [k, v] of entries) object[k as string] = v;
      return object;
    }
    return new Map(entries);
  };
  const entriesOf = (value: Tree): unknown =>
    value instanceof Map
      ? [...value].map(([k, v]) => [k, entriesOf(v)])
      : value !== null && typeof value === "object"
        ? Object.entries(value).map(([k, v]) => [k, entriesOf(v)])
        : value;

  test("decode(encode(map)) keeps every entry, and a Map's order", () => {
    fc.assert(
      fc.property(tree, (value) => {
        const decoded = decodeCbor(encodeCbor(value));
        const want = expected(value);
        expect(decoded).toEqual(want);
        expect(entriesOf(decoded)).toEqual(entriesOf(want));
      }),
      params(400),
    );
  });
});
