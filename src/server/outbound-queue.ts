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
 * Slices that do not join are gathered in a scratch buffer shared by all
 * connections; only what the kernel did not take is copied out of it.
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
    const length = this.bytes;
    if (this.count === 1) {
      const buffer = this.buffers[0]!;
      const start = this.starts[0]!;
      const written = socket.write(buffer, start, length);
      if (written < 0) {
        this.clear();
        return false;
      }
      this.clear();
      if (written < length) {
        // Keep the unsent tail: frame boundaries inside it must stay intact.
        this.push(buffer, start + written, start + length);
        this.blocked = true;
      }
      return true;
    }
    // Slices that do not join are gathered in one scratch buffer shared by
    // every connection (so a flush allocates nothing); only a tail the
    // kernel did not take is copied out of it.
    const gathered = gather(this.buffers, this.starts, this.ends, this.count, length);
    const written = socket.write(gathered, 0, length);
    this.clear();
    if (written < 0) return false;
    if (written < length) {
      // The shared scratch is reused by the next flush: copy the tail out of
      // it. A buffer gathered for this backlog alone can be kept as it is.
      if (gathered === scratch) this.push(gathered.slice(written, length));
      else this.push(gathered, written, length);
      this.blocked = true;
    }
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
}

const EMPTY = new Uint8Array(0);
const MAX_SCRATCH = 1024 * 1024;
let scratch = new Uint8Array(64 * 1024);

function gather(
  buffers: Uint8Array[],
  starts: number[],
  ends: number[],
  count: number,
  length: number,
): Uint8Array {
  // A rare very large backlog gets a buffer of its own rather than growing
  // the shared one for good.
  let target: Uint8Array;
  if (length > MAX_SCRATCH) {
    target = new Uint8Array(length);
  } else {
    if (scratch.length < length) {
      scratch = new Uint8Array(Math.min(MAX_SCRATCH, Math.max(length, scratch.length * 2)));
    }
    target = scratch;
  }
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const buffer = buffers[i]!;
    const start = starts[i]!;
    const end = ends[i]!;
    target.set(start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end), offset);
    offset += end - start;
  }
  return target;
}
