import { DateTime } from "./datetime.ts";

/*
 * A CBOR encoder for the values this library puts on the wire, in preferred
 * serialization: shortest heads, definite lengths, the shortest float that
 * keeps the value, no tags but the ones asked for.
 *
 * It replaces cbor-x's encoder, which needed workarounds for every one of
 * those rules (16-bit map heads, floats for integers above 2^32, tags on
 * byte strings and maps, raw lone surrogates) and cost a Bun process about
 * 20 MB of resident memory to load.
 */

/** A value the decoder keeps for a tag it does not interpret; encodes back as that tag. */
export class Tagged {
  constructor(
    readonly tag: number | bigint,
    readonly value: unknown,
  ) {}
}

/** A CBOR simple value other than false/true/null/undefined. */
export class SimpleValue {
  constructor(readonly value: number) {}
}

/** Values nested deeper than this are refused (it also catches cycles). */
const MAX_ENCODE_DEPTH = 64;
const TWO_64 = 1n << 64n;

let buffer = new Uint8Array(4096);
let view = new DataView(buffer.buffer);
let position = 0;
const utf8 = new TextEncoder();

function ensure(extra: number): void {
  const needed = position + extra;
  if (needed <= buffer.length) return;
  let size = buffer.length * 2;
  while (size < needed) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(buffer.subarray(0, position));
  buffer = grown;
  view = new DataView(buffer.buffer);
}

/** Writes a head: major type and argument, in its shortest form. */
function head(major: number, argument: number): void {
  ensure(9);
  const m = major << 5;
  if (argument < 24) {
    buffer[position++] = m | argument;
  } else if (argument < 0x100) {
    buffer[position++] = m | 24;
    buffer[position++] = argument;
  } else if (argument < 0x10000) {
    buffer[position++] = m | 25;
    view.setUint16(position, argument);
    position += 2;
  } else if (argument < 0x100000000) {
    buffer[position++] = m | 26;
    view.setUint32(position, argument);
    position += 4;
  } else {
    buffer[position++] = m | 27;
    view.setBigUint64(position, BigInt(argument));
    position += 8;
  }
}

function bigHead(major: number, argument: bigint): void {
  if (argument <= BigInt(Number.MAX_SAFE_INTEGER)) {
    head(major, Number(argument));
    return;
  }
  ensure(9);
  buffer[position++] = (major << 5) | 27;
  view.setBigUint64(position, argument);
  position += 8;
}

function writeBigint(value: bigint, depth: number): void {
  if (value >= 0n && value < TWO_64) {
    bigHead(0, value);
    return;
  }
  if (value < 0n && value >= -TWO_64) {
    bigHead(1, -1n - value);
    return;
  }
  // Beyond 64 bits: a bignum, tag 2 or 3 over its big-endian bytes.
  const magnitude = value < 0n ? -1n - value : value;
  const hex = magnitude.toString(16);
  const bytes = Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex"));
  head(6, value < 0n ? 3 : 2);
  writeValue(bytes, depth + 1);
}

function writeNumber(value: number): void {
  if (Number.isSafeInteger(value)) {
    if (value >= 0) head(0, value);
    else head(1, -1 - value);
    return;
  }
  ensure(9);
  const half = toHalf(value);
  if (half !== undefined) {
    buffer[position++] = 0xf9;
    view.setUint16(position, half);
    position += 2;
  } else if (Math.fround(value) === value) {
    buffer[position++] = 0xfa;
    view.setFloat32(position, value);
    position += 4;
  } else {
    buffer[position++] = 0xfb;
    view.setFloat64(position, value);
    position += 8;
  }
}

/** The IEEE 754 half-precision bits of `value` if it has an exact one. */
function toHalf(value: number): number | undefined {
  if (Number.isNaN(value)) return 0x7e00;
  if (value === Number.POSITIVE_INFINITY) return 0x7c00;
  if (value === Number.NEGATIVE_INFINITY) return 0xfc00;
  if (Math.fround(value) !== value) return undefined;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs === 0) return sign;
  const exponent = Math.floor(Math.log2(abs));
  if (exponent > 15) return undefined;
  if (exponent < -14) {
    // Subnormal: a multiple of 2^-24 below 2^-14.
    const mantissa = abs / 2 ** -24;
    return Number.isInteger(mantissa) && mantissa < 1024 ? sign | mantissa : undefined;
  }
  const mantissa = (abs / 2 ** exponent - 1) * 1024;
  if (!Number.isInteger(mantissa)) return undefined;
  return sign | ((exponent + 15) << 10) | mantissa;
}

function writeText(text: string): void {
  const length = text.length;
  let ascii = true;
  for (let i = 0; i < length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    head(3, length);
    ensure(length);
    for (let i = 0; i < length; i++) buffer[position++] = text.charCodeAt(i);
    return;
  }
  // Lone surrogates have no UTF-8 form: they go out as U+FFFD (what
  // TextEncoder does), never as bytes a strict decoder would refuse.
  const bytes = utf8.encode(text);
  head(3, bytes.length);
  ensure(bytes.length);
  buffer.set(bytes, position);
  position += bytes.length;
}

function writeBytes(bytes: Uint8Array): void {
  head(2, bytes.length);
  ensure(bytes.length);
  buffer.set(bytes, position);
  position += bytes.length;
}

function writeValue(value: unknown, depth: number): void {
  if (depth > MAX_ENCODE_DEPTH) throw new TypeError("value nested too deeply (a cycle?)");
  switch (typeof value) {
    case "string":
      writeText(value);
      return;
    case "number":
      writeNumber(value);
      return;
    case "boolean":
      ensure(1);
      buffer[position++] = value ? 0xf5 : 0xf4;
      return;
    case "bigint":
      writeBigint(value, depth);
      return;
    case "undefined":
      ensure(1);
      buffer[position++] = 0xf7;
      return;
    case "object":
      writeObject(value, depth);
      return;
    default:
      throw new TypeError(`cannot encode a ${typeof value} as CBOR`);
  }
}

function writeObject(value: object | null, depth: number): void {
  if (value === null) {
    ensure(1);
    buffer[position++] = 0xf6;
    return;
  }
  if (value instanceof Uint8Array) {
    writeBytes(value);
    return;
  }
  if (Array.isArray(value)) {
    head(4, value.length);
    for (const item of value) writeValue(item, depth + 1);
    return;
  }
  if (value instanceof DateTime) {
    head(6, 1);
    writeNumber(value.seconds);
    return;
  }
  if (value instanceof Date) {
    head(6, 1);
    writeNumber(value.getTime() / 1000);
    return;
  }
  if (value instanceof Tagged) {
    if (typeof value.tag === "bigint") bigHead(6, value.tag);
    else head(6, value.tag);
    writeValue(value.value, depth + 1);
    return;
  }
  if (value instanceof SimpleValue) {
    ensure(2);
    if (value.value < 24) buffer[position++] = 0xe0 | value.value;
    else {
      buffer[position++] = 0xf8;
      buffer[position++] = value.value;
    }
    return;
  }
  if (value instanceof Map) {
    head(5, value.size);
    for (const [key, item] of value) {
      writeValue(key, depth + 1);
      writeValue(item, depth + 1);
    }
    return;
  }
  // A plain object: a map with text keys; fields set to undefined are left out.
  const record = value as Record<string, unknown>;
  let count = 0;
  for (const key in record) if (record[key] !== undefined) count++;
  head(5, count);
  for (const key in record) {
    const item = record[key];
    if (item === undefined) continue;
    writeText(key);
    writeValue(item, depth + 1);
  }
}

/**
 * Encodes one value: maps (plain objects or `Map`s), arrays, text, byte
 * strings, integers (bigints too), floats, booleans, null, undefined,
 * `DateTime`/`Date` as tag 1, `Tagged`, `SimpleValue`.
 *
 * @throws TypeError for values CBOR has no form for (functions, symbols) or
 *   nesting deeper than 64.
 */
export function encodeCbor(value: unknown): Uint8Array {
  position = 0;
  try {
    writeValue(value, 0);
  } catch (error) {
    position = 0;
    throw error;
  }
  const out = buffer.slice(0, position);
  position = 0;
  // Do not keep a buffer grown for one large value forever.
  if (buffer.length > 65536) {
    buffer = new Uint8Array(4096);
    view = new DataView(buffer.buffer);
  }
  return out;
}
