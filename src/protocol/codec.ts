import { decodeCbor, encodeCbor } from "./cbor.ts";
import { ScalarError } from "./errors.ts";
import { encodeFrame, HEADER_SIZE, MAX_PAYLOAD } from "./frame.ts";
import {
  type Envelope,
  parseRequest,
  parseServerFrame,
  type Request,
  readEnvelope,
  type ServerFrame,
  type WithRef,
} from "./messages.ts";

/** Any message this library can put on the wire: a map with a text `type`. */
export type Outgoing = { type: string } & Record<string, unknown>;

/** Encodes a message to its CBOR payload (no length prefix). */
export function encodeMessage(message: Outgoing | Request | ServerFrame): Uint8Array {
  return encodeCbor(message);
}

/** Encodes a message to a whole frame, length prefix included. */
export function encodeMessageFrame(message: Outgoing | Request | ServerFrame): Uint8Array {
  return encodeFrame(encodeCbor(message));
}

/**
 * Decodes a request payload up to its envelope (server side).
 *
 * @throws ScalarError `bad_cbor` (fatal) or `bad_message`.
 */
export function decodeEnvelope(payload: Uint8Array): Envelope {
  return readEnvelope(decodeCbor(payload));
}

/** Decodes and validates a whole request payload. */
export function decodeRequest(payload: Uint8Array): WithRef<Request> {
  const envelope = decodeEnvelope(payload);
  const request = parseRequest(envelope);
  return envelope.ref === undefined ? request : { ...request, ref: envelope.ref };
}

/** Decodes and validates a payload a server sent (client side). */
export function decodeServerFrame(payload: Uint8Array): WithRef<ServerFrame> {
  return parseServerFrame(decodeCbor(payload));
}

// ------------------------------------------------------- pre-encoded parts --

/** Writes a CBOR head (major type + argument) in its shortest form. */
export function cborHead(major: number, argument: number): Uint8Array {
  const m = major << 5;
  if (argument < 24) return Uint8Array.of(m | argument);
  if (argument < 0x100) return Uint8Array.of(m | 24, argument);
  if (argument < 0x10000) return Uint8Array.of(m | 25, argument >> 8, argument & 0xff);
  return Uint8Array.of(
    m | 26,
    (argument >>> 24) & 0xff,
    (argument >>> 16) & 0xff,
    (argument >>> 8) & 0xff,
    argument & 0xff,
  );
}

/**
 * Encodes a map whose `rawField` holds an array of already-encoded items
 * (event payloads in a `backlog`), so stored events go out byte for byte as
 * they were pushed without a decode/encode round trip.
 */
export function encodeWithRawArray(
  message: Outgoing,
  rawField: string,
  items: readonly Uint8Array[],
): Uint8Array {
  const fields = Object.entries(message).filter(([, v]) => v !== undefined);
  const parts: Uint8Array[] = [cborHead(5, fields.length + 1)];
  for (const [key, value] of fields) {
    parts.push(encodeCbor(key), encodeCbor(value));
  }
  parts.push(encodeCbor(rawField), cborHead(4, items.length), ...items);
  return concatBytes(parts);
}

/** Size in bytes of the head `cborHead(major, argument)` would write. */
export function cborHeadSize(argument: number): number {
  return argument < 24 ? 1 : argument < 0x100 ? 2 : argument < 0x10000 ? 3 : 5;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Prefixes an already-encoded payload, checking it fits one frame. */
export function frameOf(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PAYLOAD) {
    throw new ScalarError("too_large", `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
  return encodeFrame(payload);
}

export { HEADER_SIZE };
