import { SimpleValue, Tagged } from "./cbor.ts";
import { DateTime } from "./datetime.ts";
import { ScalarError } from "./errors.ts";

/** A decoded CBOR map with text keys. */
export type WireMap = Record<string, unknown>;

export function isWireMap(value: unknown): value is WireMap {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Map) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof DateTime) &&
    !(value instanceof Tagged) &&
    !(value instanceof SimpleValue)
  );
}

const textEncoder = new TextEncoder();

export function utf8Length(text: string): number {
  // Fast path: ASCII strings are one byte a character.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return textEncoder.encode(text).length;
  }
  return text.length;
}

/**
 * Reads typed fields of one message, naming the message and field in every
 * `bad_message` error. Unknown keys are never looked at (forward compatible).
 */
export class FieldReader {
  constructor(
    private readonly map: WireMap,
    private readonly type: string,
  ) {}

  private fail(field: string, expected: string): never {
    throw new ScalarError("bad_message", `${this.type}: field "${field}" must be ${expected}`, {
      re: this.type,
    });
  }

  has(field: string): boolean {
    return this.map[field] !== undefined;
  }

  text(field: string, maxBytes?: number): string {
    const value = this.map[field];
    if (typeof value !== "string") return this.fail(field, "text");
    if (maxBytes !== undefined && utf8Length(value) > maxBytes) {
      return this.fail(field, `text of at most ${maxBytes} bytes`);
    }
    return value;
  }

  optText(field: string, maxBytes?: number): string | undefined {
    return this.has(field) ? this.text(field, maxBytes) : undefined;
  }

  /** An unsigned integer; values beyond 2^53 saturate (no topic gets that far). */
  uint(field: string): number {
    const value = this.map[field];
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
    if (typeof value === "bigint" && value >= 0n) return Number.MAX_SAFE_INTEGER;
    return this.fail(field, "an unsigned integer");
  }

  optUint(field: string): number | undefined {
    return this.has(field) ? this.uint(field) : undefined;
  }

  bool(field: string): boolean {
    const value = this.map[field];
    if (typeof value !== "boolean") return this.fail(field, "a boolean");
    return value;
  }

  bytes(field: string): Uint8Array {
    const value = this.map[field];
    if (!(value instanceof Uint8Array)) return this.fail(field, "a byte string");
    return value;
  }

  optBytes(field: string): Uint8Array | undefined {
    return this.has(field) ? this.bytes(field) : undefined;
  }

  textOrBytes(field: string): string | Uint8Array {
    const value = this.map[field];
    if (typeof value === "string" || value instanceof Uint8Array) return value;
    return this.fail(field, "text or a byte string");
  }

  datetime(field: string): DateTime {
    const value = this.map[field];
    if (!(value instanceof DateTime)) return this.fail(field, "a datetime (tag 1 over a number)");
    return value;
  }

  optDatetime(field: string): DateTime | undefined {
    return this.has(field) ? this.datetime(field) : undefined;
  }

  map_(field: string): FieldReader {
    const value = this.map[field];
    if (!isWireMap(value)) return this.fail(field, "a map with text keys");
    return new FieldReader(value, `${this.type}.${field}`);
  }

  array(field: string): unknown[] {
    const value = this.map[field];
    if (!Array.isArray(value)) return this.fail(field, "an array");
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const value = this.map[field];
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      return this.fail(field, `one of ${allowed.join(", ")}`);
    }
    return value as T;
  }
}
