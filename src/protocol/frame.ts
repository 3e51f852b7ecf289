import { ScalarError } from "./errors.ts";

/** Largest payload a frame may carry: a whole frame is at most 16 KiB. */
export const MAX_PAYLOAD = 16382;
/** Largest whole frame, length prefix included. */
export const MAX_FRAME = MAX_PAYLOAD + 2;
export const HEADER_SIZE = 2;

/** Prefixes a payload with its 2-byte little-endian length. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  checkPayloadLength(payload.length);
  const frame = new Uint8Array(payload.length + HEADER_SIZE);
  frame[0] = payload.length & 0xff;
  frame[1] = payload.length >> 8;
  frame.set(payload, HEADER_SIZE);
  return frame;
}

function checkPayloadLength(length: number): void {
  if (length === 0 || length > MAX_PAYLOAD) {
    throw new ScalarError("bad_frame", `frame length ${length} is outside 1..${MAX_PAYLOAD}`);
  }
}

/**
 * Buffers of a frame still growing come in sizes of 1, 2, 4 and 8 KiB; a
 * frame of 1 KiB or less is held in one buffer of its own size (a small
 * frame split across two reads costs what it did), and one that outgrows
 * 8 KiB gets its own size at last.
 */
const FIRST_HOLD = 1024;
const LAST_STEP = 8192;
/** Outgrown buffers kept for the next frame that grows, per size (never handed out). */
const SPARES_PER_SIZE = 16;
const spares: Uint8Array[][] = [[], [], [], []];

function stepIndex(size: number): number {
  return Math.log2(size / FIRST_HOLD);
}

/** A buffer of `size` bytes; a step size may be a spare, with old bytes (only written ones are read). */
function holdBuffer(size: number): Uint8Array {
  if (size >= FIRST_HOLD && size <= LAST_STEP && (size & (size - 1)) === 0) {
    const spare = spares[stepIndex(size)]!.pop();
    if (spare !== undefined) return spare;
  }
  return new Uint8Array(size);
}

/** Takes back a buffer outgrown: never handed out, so it is nobody else's. */
function spare(buffer: Uint8Array): void {
  const size = buffer.length;
  if (size < FIRST_HOLD || size > LAST_STEP || (size & (size - 1)) !== 0) return;
  const list = spares[stepIndex(size)]!;
  if (list.length < SPARES_PER_SIZE) list.push(buffer);
}

/** The buffer size for a frame of `frameLength` bytes holding `filled`, from `current`. */
function nextSize(frameLength: number, filled: number, current: number): number {
  if (frameLength <= FIRST_HOLD) return frameLength;
  let size = Math.max(FIRST_HOLD, 2 * current);
  while (size < filled) size *= 2;
  return size > LAST_STEP || size >= frameLength ? frameLength : size;
}

/**
 * Reassembles frames from a byte stream cut into arbitrary chunks.
 *
 * The declared length is checked before anything is buffered, and at most one
 * incomplete frame is ever held. Its buffer grows as its bytes arrive
 * (doubling, up to the declared size) instead of being allocated whole when
 * the header comes: a peer that announces 16 KiB and sends a few bytes makes
 * us hold a few bytes (`heldBytes` says how many): at most 1 KiB or twice
 * what it sent, whichever is more, and never more than the frame. After a
 * `bad_frame` error the stream is unusable: the caller closes the connection.
 */
export class FrameDecoder {
  /** The buffer of the frame being assembled (header first), or null. */
  private partial: Uint8Array | null = null;
  /** Bytes of it received so far. */
  private partialLength = 0;
  /** The whole frame's size, header included, once its header is in (else 0). */
  private frameLength = 0;

  /**
   * Feeds one chunk; calls `onFrame` with each complete payload in order.
   * Payloads handed out are views valid only during the call when they point
   * into `chunk`; copy them to keep them.
   */
  push(chunk: Uint8Array, onFrame: (payload: Uint8Array) => void): void {
    let offset = 0;
    if (this.partial !== null) {
      offset = this.continuePartial(chunk, onFrame);
      if (this.partial !== null) return;
    }
    const end = chunk.length;
    while (end - offset >= HEADER_SIZE) {
      const length = chunk[offset]! | (chunk[offset + 1]! << 8);
      checkPayloadLength(length);
      const frameEnd = offset + HEADER_SIZE + length;
      if (frameEnd > end) break;
      onFrame(chunk.subarray(offset + HEADER_SIZE, frameEnd));
      offset = frameEnd;
    }
    if (offset < end) this.startPartial(chunk.subarray(offset));
  }

  /** Collects every complete payload of a chunk (copies), for tests and tools. */
  pushAll(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.push(chunk, (payload) => frames.push(payload.slice()));
    return frames;
  }

  /** True while part of a frame is waiting for more bytes. */
  get hasPartial(): boolean {
    return this.partial !== null;
  }

  /** Memory held for the incomplete frame: its buffer's size (0 when none). */
  get heldBytes(): number {
    return this.partial === null ? 0 : this.partial.length;
  }

  /** Bytes of the incomplete frame received so far, header included (0 when none). */
  get partialBytes(): number {
    return this.partialLength;
  }

  /** Forgets the frame being assembled: for a stream that will not be read on. */
  clear(): void {
    this.partial = null;
    this.partialLength = 0;
    this.frameLength = 0;
  }

  private startPartial(rest: Uint8Array): void {
    if (rest.length < HEADER_SIZE) {
      // Only one header byte so far: the frame's size is not known yet.
      this.partial = new Uint8Array(HEADER_SIZE);
      this.frameLength = 0;
    } else {
      this.frameLength = HEADER_SIZE + (rest[0]! | (rest[1]! << 8));
      this.partial = holdBuffer(nextSize(this.frameLength, rest.length, 0));
    }
    this.partial.set(rest);
    this.partialLength = rest.length;
  }

  /** Completes the held frame from `chunk`, or holds all of it; returns how many bytes it used. */
  private continuePartial(chunk: Uint8Array, onFrame: (payload: Uint8Array) => void): number {
    let used = 0;
    if (this.frameLength === 0) {
      if (chunk.length === 0) return 0;
      const length = this.partial![0]! | (chunk[0]! << 8);
      checkPayloadLength(length);
      this.frameLength = HEADER_SIZE + length;
      const grown = holdBuffer(nextSize(this.frameLength, HEADER_SIZE, 0));
      grown[0] = this.partial![0]!;
      grown[1] = chunk[0]!;
      this.partial = grown;
      this.partialLength = HEADER_SIZE;
      used = 1;
    }
    const take = Math.min(this.frameLength - this.partialLength, chunk.length - used);
    const filled = this.partialLength + take;
    let partial = this.partial!;
    if (filled > partial.length) {
      // At least double: the copies of a frame trickled in add up to less than its size.
      const grown = holdBuffer(nextSize(this.frameLength, filled, partial.length));
      grown.set(partial.subarray(0, this.partialLength));
      spare(partial);
      partial = grown;
      this.partial = grown;
    }
    partial.set(chunk.subarray(used, used + take), this.partialLength);
    this.partialLength = filled;
    used += take;
    if (filled === this.frameLength) {
      this.partial = null;
      this.partialLength = 0;
      this.frameLength = 0;
      onFrame(partial.subarray(HEADER_SIZE, filled));
    }
    return used;
  }
}
