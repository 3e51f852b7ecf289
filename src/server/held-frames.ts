/**
 * Requests a connection read but does not run yet, in the order they came:
 * while its output backs up, or while its token is being checked. The
 * connection runs them once the hold ends, before anything read later.
 */
export class HeldFrames {
  private frames: Uint8Array[] = [];
  private next = 0;
  /** Payload bytes held. */
  bytes = 0;
  /** A bad frame read behind them: its error comes once they have run. */
  error: unknown;

  /** Frames or an error still to run. */
  get pending(): boolean {
    return this.next < this.frames.length || this.error !== undefined;
  }

  /** Keeps a copy of a payload (the chunk it points into is not ours to keep). */
  keep(payload: Uint8Array): void {
    this.frames.push(payload.slice());
    this.bytes += payload.length;
  }

  /** The oldest held payload, or undefined when none is left. */
  take(): Uint8Array | undefined {
    if (this.next === this.frames.length) return undefined;
    const payload = this.frames[this.next]!;
    this.frames[this.next++] = NOTHING;
    this.bytes -= payload.length;
    if (this.next === this.frames.length) {
      this.frames.length = 0;
      this.next = 0;
    }
    return payload;
  }

  /** The error read behind the frames, once they have all been taken (then forgotten). */
  takeError(): unknown {
    if (this.next < this.frames.length) return undefined;
    const error = this.error;
    this.error = undefined;
    return error;
  }

  clear(): void {
    this.frames.length = 0;
    this.next = 0;
    this.bytes = 0;
    this.error = undefined;
  }
}

const NOTHING = new Uint8Array(0);
