import { type Ref, ScalarError } from "../protocol/index.ts";

/**
 * Hand-written CBOR for the frames on the hot path (`event` and `sent`):
 * written straight into one scratch buffer and copied out once as a whole
 * frame, length prefix included. Shortest heads everywhere (preferred
 * serialization), which is also what cheap clients match on.
 */

/** An event whose payload is larger than this gets `too_large` (protocol.md §4). */
export const MAX_EVENT_PAYLOAD = 15870;

/** A frame inside a larger buffer (`buffer[start..end)`, length prefix included). */
export interface FrameSlice {
  buffer: Uint8Array;
  start: number;
  end: number;
}

/**
 * Room a frame being written may use: a whole frame plus slack, so a
 * too-large event is detected after writing instead of overrunning.
 */
const FRAME_ROOM = (1 << 14) + 64;
/** Event frames are written back to back into arenas of this size. */
const ARENA_SIZE = 1 << 16;

/** The buffer being written: the event arena or the reply scratch. */
let buf = new Uint8Array(ARENA_SIZE);
let view = new DataView(buf.buffer);
let pos = 0;
let base = 0;
let limit = 0;

let arena = buf;
let arenaView = view;
let arenaPos = 0;
const scratch = new Uint8Array(FRAME_ROOM);
const scratchView = new DataView(scratch.buffer);
const utf8 = new TextEncoder();

/** Starts a frame in the scratch buffer. */
function beginScratch(): void {
  buf = scratch;
  view = scratchView;
  base = 0;
  limit = FRAME_ROOM;
  pos = 2;
}

/**
 * Starts a frame in the event arena. An arena is never reused: frames in it
 * stay valid for as long as queues (or history) refer to them.
 */
function beginArena(): void {
  if (arena.length - arenaPos < FRAME_ROOM) {
    arena = new Uint8Array(ARENA_SIZE);
    arenaView = new DataView(arena.buffer);
    arenaPos = 0;
  }
  buf = arena;
  view = arenaView;
  base = arenaPos;
  limit = arenaPos + FRAME_ROOM;
  pos = base + 2;
}

function head(major: number, value: number): void {
  const m = major << 5;
  if (value < 24) {
    buf[pos++] = m | value;
  } else if (value < 0x100) {
    buf[pos++] = m | 24;
    buf[pos++] = value;
  } else if (value < 0x10000) {
    buf[pos++] = m | 25;
    buf[pos++] = value >> 8;
    buf[pos++] = value & 0xff;
  } else if (value <= 0xffffffff) {
    buf[pos++] = m | 26;
    view.setUint32(pos, value);
    pos += 4;
  } else {
    buf[pos++] = m | 27;
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
  // Short ASCII is the common case: the length is known, no encoder call.
  if (length < 24 && pos + length + 1 < limit) {
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      buf[pos++] = 0x60 | length;
      for (let i = 0; i < length; i++) buf[pos++] = value.charCodeAt(i);
      return;
    }
  }
  // Encode after the largest head a frame-sized text needs, then close the gap.
  const at = pos + 3;
  if (at + length > limit) overflow();
  const { read, written } = utf8.encodeInto(value, buf.subarray(at, limit));
  if (read < length) overflow();
  head(3, written);
  if (pos !== at) buf.copyWithin(pos, at, at + written);
  pos += written;
}

function bytes(value: Uint8Array): void {
  if (pos + value.length + 9 > limit) overflow();
  head(2, value.length);
  buf.set(value, pos);
  pos += value.length;
}

/** A datetime from milliseconds: tag 1 over an integer or a float64 of seconds. */
function datetimeMs(ms: number): void {
  buf[pos++] = 0xc1;
  if (ms % 1000 === 0) {
    head(0, ms / 1000);
  } else {
    buf[pos++] = 0xfb;
    view.setFloat64(pos, ms / 1000);
    pos += 8;
  }
}

function ref(value: Ref): void {
  if (typeof value === "number") head(0, value);
  else text(value);
}

/** Fills in the length prefix of the frame just written. */
function closeFrame(): number {
  const payloadLength = pos - base - 2;
  buf[base] = payloadLength & 0xff;
  buf[base + 1] = payloadLength >> 8;
  return payloadLength;
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
 * Encodes an event once, as a whole frame in the shared event arena;
 * `buffer[start + 2 .. end)` is its payload (what history stores and a
 * backlog splices verbatim).
 *
 * @throws ScalarError `too_large` when the payload exceeds {@link MAX_EVENT_PAYLOAD}.
 */
export function encodeEventFrame(event: EventFields): FrameSlice {
  beginArena();
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
  const size = closeFrame();
  if (size > MAX_EVENT_PAYLOAD) {
    throw new ScalarError(
      "too_large",
      `the event would be ${size} bytes (at most ${MAX_EVENT_PAYLOAD})`,
    );
  }
  // Only now is the space taken: a failed event leaves the arena as it was.
  arenaPos = pos;
  return { buffer: arena, start: base, end: pos };
}

/**
 * Encodes `error {code, message, fatal, re?, ref?}` as a whole frame. A
 * flood is answered with one per request, so it takes no general encoder.
 * The texts must be short enough for a frame (error-frame.ts clips them).
 */
export function encodeErrorFrame(
  code: string,
  message: string,
  fatal: boolean,
  re?: string,
  refValue?: Ref,
): Uint8Array {
  beginScratch();
  head(5, 4 + (re === undefined ? 0 : 1) + (refValue === undefined ? 0 : 1));
  text("type");
  text("error");
  text("code");
  text(code);
  text("message");
  text(message);
  text("fatal");
  buf[pos++] = fatal ? 0xf5 : 0xf4;
  if (re !== undefined) {
    text("re");
    text(re);
  }
  if (refValue !== undefined) {
    text("ref");
    ref(refValue);
  }
  closeFrame();
  return scratch.slice(0, pos);
}

/** Encodes `sent {topic, seq, at, ref?}` as a whole frame. */
export function encodeSentFrame(
  topic: string,
  seq: number,
  at: number,
  refValue?: Ref,
): Uint8Array {
  beginScratch();
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
  closeFrame();
  return scratch.slice(0, pos);
}
