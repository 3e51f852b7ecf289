import { describe, expect, test } from "bun:test";
import {
  DateTime,
  decodeCbor,
  encodeCbor,
  MAX_DEPTH,
  SimpleValue,
  Tagged,
} from "../../src/protocol/index.ts";
import { expectCode, fromHex, toHex } from "./helpers.ts";

const dec = (hex: string) => decodeCbor(fromHex(hex));
const bad = (hex: string) => expectCode(() => dec(hex), "bad_cbor");
const enc = (value: unknown) => toHex(encodeCbor(value));

describe("decodeCbor: well-formed items", () => {
  test("unsigned and negative integers, all argument sizes", () => {
    expect(dec("00")).toBe(0);
    expect(dec("17")).toBe(23);
    expect(dec("1818")).toBe(24);
    expect(dec("1903e8")).toBe(1000);
    expect(dec("1a000f4240")).toBe(1000000);
    expect(dec("1b000000e8d4a51000")).toBe(1000000000000);
    expect(dec("20")).toBe(-1);
    expect(dec("3863")).toBe(-100);
    expect(dec("3903e7")).toBe(-1000);
  });

  test("integers beyond 2^53 become bigints, safe ones stay numbers", () => {
    expect(dec("1b001fffffffffffff")).toBe(2 ** 53 - 1);
    expect(dec("1b0020000000000000")).toBe(2n ** 53n);
    expect(dec("1bffffffffffffffff")).toBe(2n ** 64n - 1n);
    expect(dec("3b001ffffffffffffe")).toBe(-(2 ** 53 - 1));
    expect(dec("3b001fffffffffffff")).toBe(-(2n ** 53n));
    expect(dec("3bffffffffffffffff")).toBe(-(2n ** 64n));
  });

  test("non-shortest encodings are accepted", () => {
    for (const hex of ["05", "1805", "190005", "1a00000005", "1b0000000000000005"]) {
      expect(dec(hex)).toBe(5);
    }
    expect(dec("3800")).toBe(-1);
    expect(dec("780161")).toBe("a");
    expect(dec("7a0000000161")).toBe("a");
    expect(dec("59000102")).toEqual(Uint8Array.of(2));
    expect(dec("9900010a")).toEqual([10]);
    expect(dec("b900016161f5")).toEqual({ a: true });
    expect(dec("bb00000000000000016161f5")).toEqual({ a: true });
    expect(dec("d900011a6553f100")).toEqual(new DateTime(1700000000));
  });

  test("half, single and double floats", () => {
    expect(dec("f93c00")).toBe(1);
    expect(dec("f93e00")).toBe(1.5);
    expect(dec("f9c400")).toBe(-4);
    expect(dec("f97bff")).toBe(65504);
    expect(dec("f90001")).toBe(2 ** -24);
    expect(dec("f903ff")).toBe(1023 * 2 ** -24);
    expect(dec("f90400")).toBe(2 ** -14);
    expect(Object.is(dec("f98000"), -0)).toBe(true);
    expect(dec("f97c00")).toBe(Number.POSITIVE_INFINITY);
    expect(dec("f9fc00")).toBe(Number.NEGATIVE_INFINITY);
    expect(dec("f97e00")).toBeNaN();
    expect(dec("fa47c35000")).toBe(100000);
    expect(dec("fa3fc00000")).toBe(1.5);
    expect(dec("fa7f800000")).toBe(Number.POSITIVE_INFINITY);
    expect(dec("fb3ff199999999999a")).toBe(1.1);
    expect(dec("fb7e37e43c8800759c")).toBe(1e300);
    expect(dec("fbc010666666666666")).toBe(-4.1);
  });

  test("simple values", () => {
    expect(dec("f4")).toBe(false);
    expect(dec("f5")).toBe(true);
    expect(dec("f6")).toBeNull();
    expect(dec("f7")).toBeUndefined();
    expect(dec("f0")).toEqual(new SimpleValue(16));
    expect(dec("f820")).toEqual(new SimpleValue(32));
    expect(dec("f8ff")).toEqual(new SimpleValue(255));
  });

  test("short texts seen before decode to equal strings, collisions included", () => {
    // Many distinct short texts through the decoder's table of recent ones:
    // every one comes back exactly, however often slots are shared.
    const texts = Array.from({ length: 5000 }, (_, i) => `k${i.toString(36)}`);
    for (let round = 0; round < 2; round++) {
      for (const text of texts) expect(decodeCbor(encodeCbor(text))).toBe(text);
    }
    expect(dec("60")).toBe("");
    expect(dec("6161")).toBe("a");
    expect(dec("6162")).toBe("b");
    // Same length and hash neighbourhood, different bytes.
    expect(dec("626162")).toBe("ab");
    expect(dec("626261")).toBe("ba");
  });

  test("text and byte strings; byte strings are copies", () => {
    expect(dec("60")).toBe("");
    expect(dec("6449455446")).toBe("IETF");
    expect(dec("62c3bc")).toBe("ü");
    expect(dec("63e6b0b4")).toBe("水");
    expect(dec("64f0908591")).toBe("𐅑");
    expect(dec("63efbbbf")).toBe("\ufeff");
    expect(dec("40")).toEqual(new Uint8Array(0));
    const input = fromHex("4401020304");
    const bytes = decodeCbor(input) as Uint8Array;
    input.fill(0);
    expect(bytes).toEqual(Uint8Array.of(1, 2, 3, 4));
  });

  test("indefinite-length strings, arrays and maps", () => {
    expect(dec("5f42010243030405ff")).toEqual(Uint8Array.of(1, 2, 3, 4, 5));
    expect(dec("5fff")).toEqual(new Uint8Array(0));
    expect(dec("7f657374726561646d696e67ff")).toBe("streaming");
    expect(dec("7f62c3bc60ff")).toBe("ü");
    expect(dec("7fff")).toBe("");
    expect(dec("9fff")).toEqual([]);
    expect(dec("9f018202039f0405ffff")).toEqual([1, [2, 3], [4, 5]]);
    expect(dec("83018202039f0405ff")).toEqual([1, [2, 3], [4, 5]]);
    expect(dec("bf61610161629f0203ffff")).toEqual({ a: 1, b: [2, 3] });
    expect(dec("bf6346756ef563416d7421ff")).toEqual({ Fun: true, Amt: -2 });
    expect(dec("bfff")).toEqual({});
    expect(dec("bf7f627479627065ff65696e646566ff")).toEqual({ type: "indef" });
  });

  test("maps with text keys are plain null-prototype objects; other maps are Maps", () => {
    const object = dec("a26161016162820203") as Record<string, unknown>;
    expect(object).toEqual({ a: 1, b: [2, 3] });
    expect(Object.getPrototypeOf(object)).toBeNull();
    const map = dec("a201020304") as Map<unknown, unknown>;
    expect(map).toBeInstanceOf(Map);
    expect([...map]).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(dec("a2616101f402")).toBeInstanceOf(Map);
    // Text keys first, then one that is not: every entry, in wire order,
    // integer-like text keys included (an object would put "1" first).
    const mixed = dec("bf61620161310201036161f4ff") as Map<unknown, unknown>;
    expect([...mixed]).toEqual([
      ["b", 1],
      ["1", 2],
      [1, 3],
      ["a", false],
    ]);
    // Nested: every level turns into a Map at its own first non-text key.
    const nested = dec("a261610ca1616201f5") as unknown;
    expect(nested).toBeInstanceOf(Map);
    expect([...(nested as Map<unknown, unknown>)]).toEqual([
      ["a", 12],
      [{ b: 1 }, true],
    ]);
    const deep = dec("a26161a2616201020302f4") as Map<unknown, unknown>;
    expect(deep).toBeInstanceOf(Map);
    const inner = deep.get("a") as Map<unknown, unknown>;
    expect([...inner]).toEqual([
      ["b", 1],
      [2, 3],
    ]);
    expect(deep.get(2)).toBe(false);
    // A repeated key keeps its first place and its last value, as in a Map.
    expect([...(dec("a361610102006161f5") as Map<unknown, unknown>)]).toEqual([
      ["a", true],
      [2, 0],
    ]);
    // A "__proto__" key is an ordinary own key and pollutes nothing.
    const proto = dec("a1695f5f70726f746f5f5fa1617801") as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test("tag 1 over an integer or a float is a DateTime", () => {
    expect(dec("c11a6553f100")).toEqual(new DateTime(1700000000));
    expect(dec("c1fb41d954fc4007df3b")).toEqual(new DateTime(1700000000.123));
    expect(dec("c1f93c00")).toEqual(new DateTime(1));
    expect(dec("c1fa3fc00000")).toEqual(new DateTime(1.5));
    expect(dec("c100")).toEqual(new DateTime(0));
    expect(dec("c13903e7")).toEqual(new DateTime(-1000));
    expect(dec("c11b0000000100000000")).toEqual(new DateTime(2 ** 32));
  });

  test("tag 1 over anything else, and every other tag, is Tagged", () => {
    expect(dec("c174323032332d31312d31345432323a31333a32305a")).toEqual(
      new Tagged(1, "2023-11-14T22:13:20Z"),
    );
    expect(dec("c1c100")).toEqual(new Tagged(1, new DateTime(0)));
    expect(dec("c1c200")).toEqual(new Tagged(1, new Tagged(2, 0)));
    expect(dec("c1f97e00")).toEqual(new Tagged(1, Number.NaN));
    expect(dec("c1fa7f800000")).toEqual(new Tagged(1, Number.POSITIVE_INFINITY));
    expect(dec("c11bffffffffffffffff")).toEqual(new Tagged(1, 2n ** 64n - 1n));
    expect(dec("c1f6")).toEqual(new Tagged(1, null));
    expect(dec("c08100")).toEqual(new Tagged(0, [0]));
    expect(dec("d8404401020304")).toEqual(new Tagged(64, Uint8Array.of(1, 2, 3, 4)));
    expect(dec("d90103a0")).toEqual(new Tagged(259, {}));
    expect(dec("db000000010000000000")).toEqual(new Tagged(2 ** 32, 0));
    expect(dec("dbffffffffffffffff00")).toEqual(new Tagged(2n ** 64n - 1n, 0));
  });
});

describe("decodeCbor: RFC 8949 Appendix A examples", () => {
  const oneTo25 = Array.from({ length: 25 }, (_, i) => i + 1);
  const oneTo25Hex = "0102030405060708090a0b0c0d0e0f101112131415161718181819";
  const examples: [string, unknown][] = [
    ["00", 0],
    ["01", 1],
    ["0a", 10],
    ["17", 23],
    ["1818", 24],
    ["1819", 25],
    ["1864", 100],
    ["1903e8", 1000],
    ["1a000f4240", 1000000],
    ["1b000000e8d4a51000", 1000000000000],
    ["1bffffffffffffffff", 18446744073709551615n],
    ["c249010000000000000000", new Tagged(2, fromHex("010000000000000000"))],
    ["3bffffffffffffffff", -18446744073709551616n],
    ["c349010000000000000000", new Tagged(3, fromHex("010000000000000000"))],
    ["20", -1],
    ["29", -10],
    ["3863", -100],
    ["3903e7", -1000],
    ["f90000", 0],
    ["f93c00", 1],
    ["fb3ff199999999999a", 1.1],
    ["f93e00", 1.5],
    ["f97bff", 65504],
    ["fa47c35000", 100000],
    ["fa7f7fffff", 3.4028234663852886e38],
    ["fb7e37e43c8800759c", 1e300],
    ["f90001", 2 ** -24], // 2 ** -24
    ["f90400", 0.00006103515625],
    ["f9c400", -4],
    ["fbc010666666666666", -4.1],
    ["f97c00", Number.POSITIVE_INFINITY],
    ["f97e00", Number.NaN],
    ["f9fc00", Number.NEGATIVE_INFINITY],
    ["fa7f800000", Number.POSITIVE_INFINITY],
    ["fa7fc00000", Number.NaN],
    ["faff800000", Number.NEGATIVE_INFINITY],
    ["fb7ff0000000000000", Number.POSITIVE_INFINITY],
    ["fb7ff8000000000000", Number.NaN],
    ["fbfff0000000000000", Number.NEGATIVE_INFINITY],
    ["f4", false],
    ["f5", true],
    ["f6", null],
    ["f7", undefined],
    ["f0", new SimpleValue(16)],
    ["f8ff", new SimpleValue(255)],
    ["c074323031332d30332d32315432303a30343a30305a", new Tagged(0, "2013-03-21T20:04:00Z")],
    ["c11a514b67b0", new DateTime(1363896240)],
    ["c1fb41d452d9ec200000", new DateTime(1363896240.5)],
    ["d74401020304", new Tagged(23, Uint8Array.of(1, 2, 3, 4))],
    ["d818456449455446", new Tagged(24, fromHex("6449455446"))],
    [
      "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
      new Tagged(32, "http://www.example.com"),
    ],
    ["40", new Uint8Array(0)],
    ["4401020304", Uint8Array.of(1, 2, 3, 4)],
    ["60", ""],
    ["6161", "a"],
    ["6449455446", "IETF"],
    ["62225c", '"\\'],
    ["62c3bc", "\u00fc"],
    ["63e6b0b4", "\u6c34"],
    ["64f0908591", "\ud800\udd51"],
    ["80", []],
    ["83010203", [1, 2, 3]],
    ["8301820203820405", [1, [2, 3], [4, 5]]],
    [`9819${oneTo25Hex}`, oneTo25],
    ["a0", {}],
    [
      "a201020304",
      new Map([
        [1, 2],
        [3, 4],
      ]),
    ],
    ["a26161016162820203", { a: 1, b: [2, 3] }],
    ["826161a161626163", ["a", { b: "c" }]],
    ["a56161614161626142616361436164614461656145", { a: "A", b: "B", c: "C", d: "D", e: "E" }],
    ["5f42010243030405ff", Uint8Array.of(1, 2, 3, 4, 5)],
    ["7f657374726561646d696e67ff", "streaming"],
    ["9fff", []],
    ["9f018202039f0405ffff", [1, [2, 3], [4, 5]]],
    ["9f01820203820405ff", [1, [2, 3], [4, 5]]],
    ["83018202039f0405ff", [1, [2, 3], [4, 5]]],
    ["83019f0203ff820405", [1, [2, 3], [4, 5]]],
    [`9f${oneTo25Hex}ff`, oneTo25],
    ["bf61610161629f0203ffff", { a: 1, b: [2, 3] }],
    ["826161bf61626163ff", ["a", { b: "c" }]],
    ["bf6346756ef563416d7421ff", { Fun: true, Amt: -2 }],
  ];
  for (const [hex, expected] of examples) {
    test(hex.length > 40 ? `${hex.slice(0, 40)}…` : hex, () => {
      expect(dec(hex)).toEqual(expected);
    });
  }
  test("-0.0 keeps its sign", () => {
    expect(Object.is(dec("f98000"), -0)).toBe(true);
  });
});

describe("decodeCbor: strictness (bad_cbor)", () => {
  test("every error is fatal", () => {
    expect(bad("62c328").fatal).toBe(true);
  });

  test("invalid UTF-8 anywhere in a text string", () => {
    bad("62c328"); // bad continuation byte
    bad("61ff");
    bad("62c080"); // overlong encoding of U+0000
    bad("63eda080"); // a UTF-16 surrogate
    bad("64f4908080"); // above U+10FFFF
    bad("62e282"); // cut short
    bad("a162c32801"); // in a map key
    bad("a1616162c328"); // in a map value
    bad("818181a1616181616162c328"); // deep inside
    bad("7f62c328ff"); // in an indefinite chunk
    bad("7f616161ffff"); // an invalid byte as a chunk of its own
    bad("7f61c361bcff"); // a character split across chunks: each chunk must be valid
    bad("bf7f62c328ff01ff"); // an indefinite key
  });

  test("trailing bytes after the item", () => {
    expect(bad("0000").message).toMatch(/trailing/);
    bad("a0ff");
    bad("a0a0");
    bad("616100");
  });

  test("truncated items", () => {
    for (const hex of [
      "",
      "18",
      "1901",
      "1a000000",
      "1b00000000000000",
      "62",
      "6261",
      "4201",
      "82",
      "8201",
      "9f01",
      "9f",
      "a1",
      "a16161",
      "bf6161",
      "bf616101",
      "7f6161",
      "7f",
      "5f4101",
      "c1",
      "d9",
      "d90001",
      "f9",
      "f93c",
      "fa000000",
      "fb0000000000",
      "f8",
    ]) {
      bad(hex);
    }
  });

  test("declared lengths larger than the input fail without allocating", () => {
    bad("9b00000000ffffffff");
    bad("bb00000000ffffffff");
    bad("5b00000000ffffffff");
    bad("7b001fffffffffffff");
    bad("5bffffffffffffffff");
    bad("9bffffffffffffffff");
  });

  test("reserved additional information 28-30 in every major type", () => {
    for (let major = 0; major < 8; major++) {
      const head = ((major << 5) | 28).toString(16).padStart(2, "0");
      bad(`${head}00000000000000000000`);
      for (let info = 28; info <= 30; info++) {
        const head = ((major << 5) | info).toString(16).padStart(2, "0");
        bad(head);
        bad(`81${head}`);
      }
    }
    bad("7f7c00ff"); // as an indefinite chunk's length
  });

  test("misplaced breaks and indefinite lengths", () => {
    bad("ff");
    bad("81ff");
    bad("a1ff");
    bad("a16161ff"); // a break as a value
    bad("a2616101ff"); // a break as a key of a definite map
    bad("a20102ff"); // the same once the map has a key that is not text
    bad("bf6161ff"); // a key without a value
    bad("1f");
    bad("3f");
    bad("df00");
    bad("7f7fffff"); // nested indefinite text
    bad("5f5fffff");
    bad("7f4161ff"); // a byte string chunk in a text string
    bad("5f6161ff");
    bad("7f01ff");
    bad("c1ff");
  });

  test("two-byte simple values below 32", () => {
    bad("f800");
    bad("f814");
    bad("f81f");
  });

  describe("nesting: the top item is level 1, tags count, deeper than 16 is refused", () => {
    const arrays = (n: number, inner = "00") => "81".repeat(n) + inner;
    test("exactly 16 levels are accepted", () => {
      expect(MAX_DEPTH).toBe(16);
      expect(() => dec(arrays(16))).not.toThrow();
      expect(() => dec(arrays(16, ""))).toThrow(); // sanity: truncated
      expect(() => dec(`${"a16161".repeat(15)}a0`)).not.toThrow();
      expect(() => dec(`${"a16161".repeat(15)}81c100`)).toThrow();
      expect(() => dec(`${"a16161".repeat(14)}81c100`)).not.toThrow();
      expect(() => dec(arrays(15, "c100"))).not.toThrow();
      expect(() => dec(`${"c2".repeat(15)}80`)).not.toThrow();
      expect(() => dec(`${"9f".repeat(16)}${"ff".repeat(16)}`)).not.toThrow();
      expect(() => dec(`${"bf6161".repeat(15)}a0${"ff".repeat(15)}`)).not.toThrow();
    });
    test("17 levels are refused", () => {
      bad(arrays(17));
      bad(arrays(17, "80"));
      bad(`${"a16161".repeat(16)}a0`);
      bad(arrays(16, "c100")); // a tag is a level
      bad(arrays(16, "a0"));
      bad(`${"c2".repeat(16)}80`);
      bad(`${"c2".repeat(17)}00`);
      bad(`${"9f".repeat(17)}${"ff".repeat(17)}`);
      bad(`${"bf6161".repeat(16)}a0${"ff".repeat(16)}`);
      bad(`a16161${"a16161".repeat(15)}a0`); // a map value at level 17
    });
    test("a deeply nested map key counts too", () => {
      bad(`${"81".repeat(15)}a1810000`);
      expect(() => dec(`${"81".repeat(15)}a10000`)).not.toThrow();
    });
    test("very deep input fails fast without overflowing the stack", () => {
      bad("81".repeat(100000));
      bad("9f".repeat(100000));
    });
  });
});

describe("encodeCbor", () => {
  test("shortest text headers", () => {
    expect(enc("a".repeat(23)).slice(0, 2)).toBe("77");
    expect(enc("a".repeat(24)).slice(0, 4)).toBe("7818");
    expect(enc("a".repeat(100)).slice(0, 4)).toBe("7864");
    expect(enc("a".repeat(100)).length).toBe(2 * 102);
    expect(enc("é".repeat(50)).slice(0, 4)).toBe("7864");
    expect(enc("a".repeat(255)).slice(0, 4)).toBe("78ff");
    expect(enc("a".repeat(256)).slice(0, 6)).toBe("790100");
    expect(enc("a".repeat(70000)).slice(0, 10)).toBe("7a00011170");
    expect(enc("")).toBe("60");
  });

  test("shortest map and array headers", () => {
    expect(enc({})).toBe("a0");
    expect(enc({ a: 1, b: 2, c: 3 })).toBe("a3616101616202616303");
    expect(enc({ x: { y: [1, 2, 3] } })).toBe("a16178a1617983010203");
    const wide = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`k${i}`, i]));
    expect(enc(wide).slice(0, 4)).toBe("b818");
    expect(enc([])).toBe("80");
    expect(enc(Array.from({ length: 24 }, () => 0)).slice(0, 4)).toBe("9818");
    expect(enc(Array.from({ length: 300 }, () => 0)).slice(0, 6)).toBe("99012c");
  });

  test("integers: shortest, and above 2^32 as integers, never floats", () => {
    expect(enc(0)).toBe("00");
    expect(enc(23)).toBe("17");
    expect(enc(24)).toBe("1818");
    expect(enc(256)).toBe("190100");
    expect(enc(2 ** 32 - 1)).toBe("1affffffff");
    expect(enc(2 ** 32)).toBe("1b0000000100000000");
    expect(enc(2 ** 40)).toBe("1b0000010000000000");
    expect(enc(2 ** 53 - 1)).toBe("1b001fffffffffffff");
    expect(enc(-1)).toBe("20");
    expect(enc(-(2 ** 31) - 1)).toBe("3a80000000");
    expect(enc(-(2 ** 32))).toBe("3affffffff");
    expect(enc(-(2 ** 32) - 1)).toBe("3b0000000100000000");
    expect(enc(-(2 ** 40))).toBe("3b000000ffffffffff");
    expect(enc(2n ** 64n - 1n)).toBe("1bffffffffffffffff");
    expect(enc({ ref: 2 ** 40 })).toBe("a1637265661b0000010000000000");
  });

  test("non-integral numbers take the shortest float that keeps their value", () => {
    expect(enc(1.5)).toBe("f93e00");
    expect(enc(-0.25)).toBe("f9b400");
    expect(enc(2 ** -24)).toBe("f90001"); // smallest half subnormal
    expect(enc(65504.5)).toBe("fa477fe080"); // above the half range, exact in single
    expect(enc(100000.5)).toBe("fa47c35040");
    expect(enc(0.1)).toBe("fb3fb999999999999a");
    expect(enc(Number.NaN)).toBe("f97e00");
    expect(enc(Number.POSITIVE_INFINITY)).toBe("f97c00");
    expect(enc(Number.NEGATIVE_INFINITY)).toBe("f9fc00");
    for (const x of [0.1, 1.5, -0.25, 65504.5, 1764157881.123, 2 ** -24]) {
      expect(decodeCbor(encodeCbor(x))).toBe(x);
    }
  });

  test("integers up to 2^64 are integers; beyond, bignums", () => {
    expect(enc(2 ** 40)).toBe("1b0000010000000000");
    expect(enc(-(2 ** 40))).toBe("3b000000ffffffffff");
    expect(enc(Number.MAX_SAFE_INTEGER)).toBe("1b001fffffffffffff");
    expect(enc(2n ** 64n - 1n)).toBe("1bffffffffffffffff");
    expect(enc(2n ** 64n)).toBe("c249010000000000000000");
    expect(enc(-(2n ** 64n) - 1n)).toBe("c349010000000000000000");
    expect(decodeCbor(encodeCbor(2n ** 63n))).toBe(2n ** 63n);
  });

  test("Maps, tags and simple values encode back as they decode", () => {
    for (const hex of ["a201020304", "d82063612f62", "f0", "f8ff", "a1f4f5", "c11a6926e9b9"]) {
      expect(enc(decodeCbor(fromHex(hex)))).toBe(hex);
    }
  });

  test("values CBOR has no form for are refused", () => {
    expect(() => encodeCbor(() => 1)).toThrow(TypeError);
    expect(() => encodeCbor(Symbol("x"))).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeCbor(cyclic)).toThrow("nested too deeply");
    // The encoder is usable again after a refusal.
    expect(enc({ a: 1 })).toBe("a1616101");
  });

  test("byte strings are untagged", () => {
    expect(enc(Uint8Array.of(1, 2, 3))).toBe("43010203");
    expect(enc(new Uint8Array(0))).toBe("40");
    expect(enc({ data: Uint8Array.of(255) })).toBe("a1646461746141ff");
  });

  test("datetimes are tag 1 over an integer or a double; no other tag is written", () => {
    expect(enc(new DateTime(1700000000))).toBe("c11a6553f100");
    expect(enc(new DateTime(1700000000.123))).toBe("c1fb41d954fc4007df3b");
    expect(enc(new DateTime(0))).toBe("c100");
    expect(enc({ at: new DateTime(1) })).toBe("a1626174c101");
  });

  test("booleans, null; undefined fields are left out", () => {
    expect(enc(true)).toBe("f5");
    expect(enc(false)).toBe("f4");
    expect(enc(null)).toBe("f6");
    expect(enc({ a: 1, b: undefined })).toBe("a1616101");
    expect(enc({ a: { b: undefined } })).toBe("a16161a0");
  });

  test("lone surrogates become U+FFFD, so the output is always valid UTF-8", () => {
    expect(enc("\ud800")).toBe("63efbfbd");
    expect(enc("a\udc00b")).toBe("6561efbfbd62");
    expect(enc("😀".slice(0, 1).repeat(3))).toBe("69efbfbdefbfbdefbfbd");
    expect(enc({ "k\ud800": "v" })).toBe("a1646befbfbd6176");
    expect(decodeCbor(encodeCbor({ body: `${"x".repeat(70)}\ud83d` }))).toEqual({
      body: `${"x".repeat(70)}\ufffd`,
    });
    expect(enc("😀")).toBe("64f09f9880");
  });

  test("does not change its input", () => {
    const input = { a: 2 ** 40, b: undefined, c: ["\ud800"] };
    encodeCbor(input);
    expect(input).toEqual({ a: 2 ** 40, b: undefined, c: ["\ud800"] });
    expect("b" in input).toBe(true);
  });

  test("an encoded value stays intact after later encodes", () => {
    const first = encodeCbor({ a: 1 });
    for (let i = 0; i < 2000; i++) encodeCbor({ filler: "x".repeat(100), i });
    expect(toHex(first)).toBe("a1616101");
  });
});
