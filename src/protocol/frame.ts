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
 * Reassembles frames from a byte stream cut into arbitrary chunks.
 *
 * The declared length is checked before anything is buffered, and at most one
 * incomplete frame is ever held, so a peer cannot make us allocate more than
 * 16 KiB per connection. After a `bad_frame` error the stream is unusable:
 * the caller closes the connection.
 */
export class FrameDecoder {
  /** Bytes of the frame being assembled (header included), or null. */
  private partial: Uint8Array | null = null;
  private partialLength = 0;

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

  private startPartial(rest: Uint8Array): void {
    if (rest.length < HEADER_SIZE) {
      // Only one header byte so far: keep it in a buffer sized for any header.
      this.partial = new Uint8Array(HEADER_SIZE);
      this.partial.set(rest);
      this.partialLength = rest.length;
      return;
    }
    const length = rest[0]! | (rest[1]! << 8);
    this.partial = new Uint8Array(HEADER_SIZE + length);
    this.partial.set(rest);
    this.partialLength = rest.length;
  }

  /** Completes the held frame from `chunk`; returns how many bytes it used. */
  private continuePartial(chunk: Uint8Array, onFrame: (payload: Uint8Array) => void): number {
    let partial = this.partial!;
    let used = 0;
    if (this.partialLength < HEADER_SIZE) {
      if (chunk.length === 0) return 0;
      const length = partial[0]! | (chunk[0]! << 8);
      checkPayloadLength(length);
      const grown = new Uint8Array(HEADER_SIZE + length);
      grown[0] = partial[0]!;
      grown[1] = chunk[0]!;
      partial = grown;
      this.partial = grown;
      this.partialLength = HEADER_SIZE;
      used = 1;
    }
    const need = partial.length - this.partialLength;
    const take = Math.min(need, chunk.length - used);
    partial.set(chunk.subarray(used, used + take), this.partialLength);
    this.partialLength += take;
    used += take;
    if (this.partialLength === partial.length) {
      this.partial = null;
      this.partialLength = 0;
      onFrame(partial.subarray(HEADER_SIZE));
    }
    return used;
  }
}
