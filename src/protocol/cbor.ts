import { encodeCbor, SimpleValue, Tagged } from "./cbor-encode.ts";
import { DateTime } from "./datetime.ts";
import { ScalarError } from "./errors.ts";

export { encodeCbor, SimpleValue, Tagged };

/** Deepest nesting the contract allows: the top map is level 1, a tag counts. */
export const MAX_DEPTH = 16;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes exactly one CBOR data item, strictly.
 *
 * cbor-x's decoder is lenient by design (it replaces invalid UTF-8 and gives
 * tags 0, 28/29, 64+, 259 and its record tags meanings of its own), so the
 * contract's strictness needs a validating pass over every byte anyway; this
 * pass builds the values as it goes. Any encoding RFC 8949 calls well-formed
 * is accepted, indefinite lengths included.
 *
 * Maps whose keys are all text become null-prototype objects; other maps
 * become `Map`s. Tag 1 over a number becomes a `DateTime`; every other tag a
 * `Tagged`. Integers beyond 2^53 become bigints. Byte strings are copied.
 *
 * @throws ScalarError `bad_cbor` on anything that is not one well-formed item.
 */
export function decodeCbor(bytes: Uint8Array): unknown {
  keyStack.length = 0; // a decode that threw may have left keys behind
  const reader = new CborReader(bytes);
  const value = reader.item(1);
  if (reader.offset !== bytes.length) {
    throw badCbor(`${bytes.length - reader.offset} trailing bytes after the item`);
  }
  return value;
}

function badCbor(message: string): ScalarError {
  return new ScalarError("bad_cbor", message);
}

const BREAK = Symbol("break");

/**
 * Keys of the maps being read, in wire order; a nested map stacks its own
 * above its parent's and takes them off when done. Shared, so a map costs
 * no array of its own.
 */
const keyStack: string[] = [];

class CborReader {
  offset = 0;
  /** Made on first use: most items (short heads, texts) never need one. */
  private dataView: DataView | undefined;

  constructor(private readonly bytes: Uint8Array) {}

  private get view(): DataView {
    this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.dataView;
  }

  item(depth: number): unknown {
    const value = this.itemOrBreak(depth);
    if (value === BREAK) throw badCbor("unexpected break code");
    return value;
  }

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) throw badCbor("truncated item");
  }

  /** Reads the argument of a head; null means indefinite length (info 31). */
  private argument(info: number): number | bigint | null {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1);
        return this.bytes[this.offset++]!;
      case 25: {
        this.need(2);
        const b = this.bytes;
        const o = this.offset;
        this.offset += 2;
        return (b[o]! << 8) | b[o + 1]!;
      }
      case 26: {
        this.need(4);
        const b = this.bytes;
        const o = this.offset;
        this.offset += 4;
        return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
      }
      case 27: {
        this.need(8);
        const v = this.view.getBigUint64(this.offset);
        this.offset += 8;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 31:
        return null;
      default:
        throw badCbor(`reserved additional information ${info}`);
    }
  }

  private length(info: number): number | null {
    const n = this.argument(info);
    if (typeof n === "bigint") throw badCbor("length too large");
    return n;
  }

  private itemOrBreak(depth: number): unknown {
    this.need(1);
    const head = this.bytes[this.offset++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    switch (major) {
      case 0: {
        const n = this.argument(info);
        if (n === null) throw badCbor("indefinite length on an integer");
        return n;
      }
      case 1: {
        const n = this.argument(info);
        if (n === null) throw badCbor("indefinite length on an integer");
        if (typeof n === "bigint") return -1n - n;
        const v = -1 - n;
        return Number.isSafeInteger(v) ? v : -1n - BigInt(n);
      }
      case 2:
        return this.bytesOrText(info, false);
      case 3:
        return this.bytesOrText(info, true);
      case 4:
        return this.array(info, depth);
      case 5:
        return this.map(info, depth);
      case 6:
        return this.tag(info, depth);
      default:
        return this.simple(info);
    }
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_DEPTH) throw badCbor(`nesting deeper than ${MAX_DEPTH}`);
  }

  private chunk(length: number): Uint8Array {
    this.need(length);
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  private bytesOrText(info: number, text: boolean): Uint8Array | string {
    const length = this.length(info);
    if (length !== null) {
      if (text && length <= ASCII_FAST_PATH_MAX) {
        this.need(length);
        const ascii = asciiText(this.bytes, this.offset, this.offset + length);
        if (ascii !== undefined) {
          this.offset += length;
          return ascii;
        }
      }
      const slice = this.chunk(length);
      return text ? decodeText(slice) : new Uint8Array(slice);
    }
    // Indefinite length: definite chunks of the same major type, then break.
    const parts: Uint8Array[] = [];
    for (;;) {
      this.need(1);
      const head = this.bytes[this.offset++]!;
      if (head === 0xff) break;
      if (head >> 5 !== (text ? 3 : 2)) throw badCbor("bad chunk in an indefinite-length string");
      const chunkLength = this.length(head & 0x1f);
      if (chunkLength === null) throw badCbor("nested indefinite-length string");
      parts.push(this.chunk(chunkLength));
    }
    const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
    let at = 0;
    for (const part of parts) {
      // Each text chunk must be valid UTF-8 on its own (RFC 8949 §3.2.3).
      if (text) decodeText(part);
      joined.set(part, at);
      at += part.length;
    }
    return text ? decodeText(joined) : joined;
  }

  private array(info: number, depth: number): unknown[] {
    this.checkDepth(depth);
    const length = this.length(info);
    const items: unknown[] = [];
    if (length === null) {
      for (;;) {
        const value = this.itemOrBreak(depth + 1);
        if (value === BREAK) return items;
        items.push(value);
      }
    }
    // Each item takes at least one byte: a huge declared count fails fast.
    this.need(length);
    for (let i = 0; i < length; i++) items.push(this.item(depth + 1));
    return items;
  }

  private map(info: number, depth: number): Record<string, unknown> | Map<unknown, unknown> {
    this.checkDepth(depth);
    const length = this.length(info);
    if (length !== null) this.need(length * 2);
    // Built straight into an object, the common case. The keys also go on
    // the key stack in wire order, so that a key that is not text can turn
    // what was read into a Map without reading it again (an object lists
    // integer-like keys first; reading again would double the work at every
    // level of nesting).
    const object: Record<string, unknown> = Object.create(null);
    const base = keyStack.length;
    for (let i = 0; length === null || i < length; i++) {
      const key = this.itemOrBreak(depth + 1);
      if (key === BREAK) {
        if (length !== null) throw badCbor("unexpected break code");
        break;
      }
      if (typeof key !== "string") {
        return this.restAsMap(object, base, key, length === null ? null : length - i, depth);
      }
      object[key] = this.item(depth + 1);
      keyStack.push(key);
    }
    keyStack.length = base;
    return object;
  }

  /** The entries read so far, in wire order, then `key` and the rest of the map. */
  private restAsMap(
    object: Record<string, unknown>,
    base: number,
    key: unknown,
    remaining: number | null,
    depth: number,
  ): Map<unknown, unknown> {
    const map = new Map<unknown, unknown>();
    for (let k = base; k < keyStack.length; k++) {
      const textKey = keyStack[k]!;
      map.set(textKey, object[textKey]);
    }
    keyStack.length = base;
    map.set(key, this.item(depth + 1));
    for (let i = 1; remaining === null || i < remaining; i++) {
      const next = this.itemOrBreak(depth + 1);
      if (next === BREAK) {
        if (remaining !== null) throw badCbor("unexpected break code");
        break;
      }
      map.set(next, this.item(depth + 1));
    }
    return map;
  }

  private tag(info: number, depth: number): unknown {
    this.checkDepth(depth);
    const tag = this.argument(info);
    if (tag === null) throw badCbor("indefinite length on a tag");
    const value = this.item(depth + 1);
    if (tag === 1 && typeof value === "number" && Number.isFinite(value)) {
      return new DateTime(value);
    }
    return new Tagged(tag, value);
  }

  private simple(info: number): unknown {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        this.need(1);
        const value = this.bytes[this.offset++]!;
        if (value < 32) throw badCbor("two-byte encoding of a simple value below 32");
        return new SimpleValue(value);
      }
      case 25: {
        this.need(2);
        const value = halfToNumber(this.view.getUint16(this.offset));
        this.offset += 2;
        return value;
      }
      case 26: {
        this.need(4);
        const value = this.view.getFloat32(this.offset);
        this.offset += 4;
        return value;
      }
      case 27: {
        this.need(8);
        const value = this.view.getFloat64(this.offset);
        this.offset += 8;
        return value;
      }
      case 28:
      case 29:
      case 30:
        throw badCbor(`reserved additional information ${info}`);
      case 31:
        return BREAK;
      default:
        return new SimpleValue(info);
    }
  }
}

/**
 * Short texts (keys, names, kinds) are nearly always ASCII, which is valid
 * UTF-8 as it stands: building them directly skips a TextDecoder call and a
 * subarray each, the largest cost of decoding an event.
 */
const ASCII_FAST_PATH_MAX = 64;

/**
 * The same few short texts come in frame after frame (keys, types, topic
 * names, IDs): a small table of recent ones, by hash, hands back the string
 * already made instead of building it again. A collision only costs a miss.
 */
const TEXT_CACHE_SLOTS = 1024;
const TEXT_CACHE_MAX = 32;
const textCache: string[] = new Array<string>(TEXT_CACHE_SLOTS).fill("");

function asciiText(bytes: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  let hash = length;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte > 0x7f) return undefined;
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  if (length > TEXT_CACHE_MAX) return buildAscii(bytes, start, end);
  const slot = (hash ^ (hash >>> 12)) & (TEXT_CACHE_SLOTS - 1);
  const cached = textCache[slot]!;
  if (cached.length === length && sameAscii(cached, bytes, start)) return cached;
  const text = buildAscii(bytes, start, end);
  textCache[slot] = text;
  return text;
}

function sameAscii(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== bytes[start + i]) return false;
  }
  return true;
}

function buildAscii(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new ScalarError("bad_cbor", "text string is not valid UTF-8", { cause });
  }
}

function halfToNumber(half: number): number {
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
