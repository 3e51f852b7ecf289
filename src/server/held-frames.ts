/**
 * Requests a connection read but does not run yet, in the order they came:
 * while its output backs up, or while its token is being checked. The
 * connection runs them once the hold ends, before anything read later.
 *
 * Frames are kept as they arrived, length prefixes included: the frames of
 * one read that are held back one after another are copied out of it in
 * one piece, so holding a read of many small requests costs its bytes, not
 * an object per request.
 */
export class HeldFrames {
  /** Whole frames, back to back; the first is read from `pos` on. */
  private segments: Uint8Array[] = [];
  private pos = 0;
  /** The run of adjacent frames being kept from the current read, not yet copied. */
  private run: { buffer: ArrayBufferLike; start: number; end: number } | undefined;
  /** Bytes held (frames with their prefixes). */
  bytes = 0;
  /** A bad frame read behind them: its error comes once they have run. */
  error: unknown;

  /** Frames or an error still to run. */
  get pending(): boolean {
    return this.bytes > 0 || this.error !== undefined;
  }

  /**
   * Keeps a frame given by its payload, which (as FrameDecoder hands it out)
   * sits right after its 2-byte prefix in the same buffer. Call `seal` before
   * that buffer may change (at the end of the read).
   */
  keep(payload: Uint8Array): void {
    const start = payload.byteOffset - 2;
    const end = payload.byteOffset + payload.length;
    const run = this.run;
    if (run !== undefined && run.buffer === payload.buffer && run.end === start) {
      run.end = end;
    } else {
      this.seal();
      this.run = { buffer: payload.buffer, start, end };
    }
    this.bytes += end - start;
  }

  /** Copies the current run out of the buffer it points into. */
  seal(): void {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    this.segments.push(new Uint8Array(run.buffer, run.start, run.end - run.start).slice());
  }

  /** The oldest held payload, or undefined when none is left. */
  take(): Uint8Array | undefined {
    this.seal();
    const segment = this.segments[0];
    if (segment === undefined) return undefined;
    const length = segment[this.pos]! | (segment[this.pos + 1]! << 8);
    const payload = segment.subarray(this.pos + 2, this.pos + 2 + length);
    this.pos += 2 + length;
    this.bytes -= 2 + length;
    if (this.pos >= segment.length) {
      this.segments.shift();
      this.pos = 0;
    }
    return payload;
  }

  /** The error read behind the frames, once they have all been taken (then forgotten). */
  takeError(): unknown {
    if (this.bytes > 0) return undefined;
    const error = this.error;
    this.error = undefined;
    return error;
  }

  clear(): void {
    this.segments.length = 0;
    this.pos = 0;
    this.run = undefined;
    this.bytes = 0;
    this.error = undefined;
  }
}
