/** The part of a socket the queue needs: `write` returns bytes taken, -1 when closed. */
export interface Writable {
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
}

/**
 * A connection's unsent output, as slices of shared buffers.
 *
 * Event frames of one tick are laid out back to back in a shared arena (see
 * wire.ts), so for a subscriber the frames it gets in a burst are usually
 * one contiguous slice: `push` extends the last slice instead of adding one,
 * and `flush` hands that slice to the socket in one `write`, with no copy.
 * Slices that do not join are copied together once per flush.
 *
 * Bun's `write` does not buffer: what the kernel did not take stays here as
 * the head slice until `drain`.
 */
export class OutboundQueue {
  private buffers: Uint8Array[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private count = 0;
  /** Bytes queued and not yet taken by the kernel. */
  bytes = 0;
  /** True after a partial write, until the socket drains. */
  blocked = false;

  push(buffer: Uint8Array, start = 0, end = buffer.length): void {
    this.bytes += end - start;
    const last = this.count - 1;
    if (last >= 0 && this.buffers[last] === buffer && this.ends[last] === start) {
      this.ends[last] = end;
      return;
    }
    this.buffers[this.count] = buffer;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  /**
   * Writes everything queued in one call. Returns false if the socket is
   * closed (the queue is then discarded).
   */
  flush(socket: Writable): boolean {
    if (this.blocked || this.bytes === 0) return true;
    let buffer: Uint8Array;
    let start: number;
    if (this.count === 1) {
      buffer = this.buffers[0]!;
      start = this.starts[0]!;
    } else {
      buffer = this.concat();
      start = 0;
    }
    const length = this.bytes;
    const written = socket.write(buffer, start, length);
    if (written < 0) {
      this.clear();
      return false;
    }
    if (written >= length) {
      this.clear();
      return true;
    }
    // Keep the unsent tail: frame boundaries inside it must stay intact.
    this.clear();
    this.push(buffer, start + written, start + length);
    this.blocked = true;
    return true;
  }

  /** Called from the socket's `drain`: writing may resume. */
  drained(socket: Writable): boolean {
    this.blocked = false;
    return this.flush(socket);
  }

  /**
   * Drops the frames not yet started; after a partial write the head slice
   * stays, since the peer already has the start of a frame in it. Used when
   * the connection is being closed.
   */
  truncateToHead(): void {
    if (!this.blocked || this.count === 0) {
      this.clear();
      return;
    }
    for (let i = 1; i < this.count; i++) this.buffers[i] = EMPTY;
    this.count = 1;
    this.bytes = this.ends[0]! - this.starts[0]!;
  }

  clear(): void {
    // Drop references so shared buffers can be collected.
    for (let i = 0; i < this.count; i++) this.buffers[i] = EMPTY;
    this.count = 0;
    this.bytes = 0;
  }

  private concat(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let offset = 0;
    for (let i = 0; i < this.count; i++) {
      const buffer = this.buffers[i]!;
      const start = this.starts[i]!;
      const end = this.ends[i]!;
      out.set(start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end), offset);
      offset += end - start;
    }
    return out;
  }
}

const EMPTY = new Uint8Array(0);
