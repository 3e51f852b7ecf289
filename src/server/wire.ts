import { type Ref, ScalarError } from "../protocol/index.ts";

/**
 * Hand-written CBOR for the frames on the hot path (`event` and `sent`):
 * written straight into one scratch buffer and copied out once as a whole
 * frame, length prefix included. Shortest heads everywhere (preferred
 * serialization), which is also what cheap clients match on.
 */

/** An event whose payload is larger than this gets `too_large` (protocol.md §4). */
export const MAX_EVENT_PAYLOAD = 15870;

const SCRATCH_SIZE = 1 << 16;
const scratch = new Uint8Array(SCRATCH_SIZE);
const view = new DataView(scratch.buffer);
const utf8 = new TextEncoder();

/** Reserved for the 2-byte frame length. */
const START = 2;
let pos = START;

function head(major: number, value: number): void {
  const m = major << 5;
  if (value < 24) {
    scratch[pos++] = m | value;
  } else if (value < 0x100) {
    scratch[pos++] = m | 24;
    scratch[pos++] = value;
  } else if (value < 0x10000) {
    scratch[pos++] = m | 25;
    scratch[pos++] = value >> 8;
    scratch[pos++] = value & 0xff;
  } else if (value <= 0xffffffff) {
    scratch[pos++] = m | 26;
    view.setUint32(pos, value);
    pos += 4;
  } else {
    scratch[pos++] = m | 27;
    view.setUint32(pos, Math.floor(value / 0x100000000));
    view.setUint32(pos + 4, value >>> 0);
    pos += 8;
  }
}

function overflow(): never {
  throw new ScalarError("too_large", "the event does not fit a frame");
}

function text(value: string): void {
  const length = value.length;
  // ASCII is the common case: the length is known, no encoder call needed.
  if (length < 24 && pos + length + 1 < SCRATCH_SIZE) {
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      scratch[pos++] = 0x60 | length;
      for (let i = 0; i < length; i++) scratch[pos++] = value.charCodeAt(i);
      return;
    }
  }
  // Encode after the largest head a frame-sized text needs, then close the gap.
  const at = pos + 3;
  if (at + length > SCRATCH_SIZE) overflow();
  const { read, written } = utf8.encodeInto(value, scratch.subarray(at));
  if (read < length) overflow();
  head(3, written);
  if (pos !== at) scratch.copyWithin(pos, at, at + written);
  pos += written;
}

function bytes(value: Uint8Array): void {
  if (pos + value.length + 9 > SCRATCH_SIZE) overflow();
  head(2, value.length);
  scratch.set(value, pos);
  pos += value.length;
}

/** A datetime from milliseconds: tag 1 over an integer or a float64 of seconds. */
function datetimeMs(ms: number): void {
  scratch[pos++] = 0xc1;
  if (ms % 1000 === 0) {
    head(0, ms / 1000);
  } else {
    scratch[pos++] = 0xfb;
    view.setFloat64(pos, ms / 1000);
    pos += 8;
  }
}

function ref(value: Ref): void {
  if (typeof value === "number") head(0, value);
  else text(value);
}

/** Copies the scratch buffer out as a frame (length prefix filled in). */
function takeFrame(): Uint8Array {
  const payloadLength = pos - START;
  scratch[0] = payloadLength & 0xff;
  scratch[1] = payloadLength >> 8;
  const frame = scratch.slice(0, pos);
  pos = START;
  return frame;
}

export interface EventFields {
  topic: string;
  seq: number;
  at: number;
  from: string;
  kind: "message" | "join" | "leave";
  body?: string | undefined;
  contentType?: string | undefined;
  data?: Uint8Array | undefined;
}

/**
 * Encodes an event once, as a whole frame; `frame.subarray(2)` is its
 * payload (what history stores and a backlog splices verbatim).
 *
 * @throws ScalarError `too_large` when the payload exceeds {@link MAX_EVENT_PAYLOAD}.
 */
export function encodeEventFrame(event: EventFields): Uint8Array {
  pos = START;
  try {
    let fields = 6;
    if (event.body !== undefined) fields++;
    if (event.contentType !== undefined) fields++;
    if (event.data !== undefined) fields++;
    head(5, fields);
    text("type");
    text("event");
    text("topic");
    text(event.topic);
    text("seq");
    head(0, event.seq);
    text("at");
    datetimeMs(event.at);
    text("from");
    text(event.from);
    text("kind");
    text(event.kind);
    if (event.body !== undefined) {
      text("body");
      text(event.body);
    }
    if (event.contentType !== undefined) {
      text("content_type");
      text(event.contentType);
    }
    if (event.data !== undefined) {
      text("data");
      bytes(event.data);
    }
  } catch (error) {
    pos = START;
    throw error;
  }
  if (pos - START > MAX_EVENT_PAYLOAD) {
    const size = pos - START;
    pos = START;
    throw new ScalarError(
      "too_large",
      `the event would be ${size} bytes (at most ${MAX_EVENT_PAYLOAD})`,
    );
  }
  return takeFrame();
}

/** Encodes `sent {topic, seq, at, ref?}` as a whole frame. */
export function encodeSentFrame(
  topic: string,
  seq: number,
  at: number,
  refValue?: Ref,
): Uint8Array {
  pos = START;
  head(5, refValue === undefined ? 4 : 5);
  text("type");
  text("sent");
  text("topic");
  text(topic);
  text("seq");
  head(0, seq);
  text("at");
  datetimeMs(at);
  if (refValue !== undefined) {
    text("ref");
    ref(refValue);
  }
  return takeFrame();
}
