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
 * Bun's `write` does not buffer: what the kernel did not take stays here
 * until `drain`. While it waits the queue is blocked, and what it holds is
 * its own: the unsent tail and every frame pushed meanwhile are copied into
 * buffers of this queue. A queue that referred to the shared arenas instead
 * would keep each 64 KiB arena alive for one small event of its own, so
 * that its bytes would say nothing of the memory it holds; copied, they are
 * that memory, which the server's output budget counts.
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
  /** The buffer frames are copied into while blocked, and how far it is used. */
  private spill: Uint8Array | undefined;
  private spillEnd = 0;
  /** Bytes of the tail the last partial write left (the head of the queue while blocked). */
  private tailBytes = 0;

  push(buffer: Uint8Array, start = 0, end = buffer.length): void {
    if (this.blocked) this.copyIn(buffer, start, end);
    else this.append(buffer, start, end);
  }

  private append(buffer: Uint8Array, start: number, end: number): void {
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
    const spill = this.spill;
    const spillEnd = this.spillEnd;
    let buffer: Uint8Array;
    let start: number;
    if (this.count === 1) {
      buffer = this.buffers[0]!;
      start = this.starts[0]!;
    } else {
      // Slices that do not join are gathered in one scratch buffer shared by
      // every connection (so a flush allocates nothing).
      buffer = gather(this.buffers, this.starts, this.ends, this.count, length);
      start = 0;
    }
    const written = socket.write(buffer, start, length);
    this.clear();
    if (written < 0) return false;
    if (written < length) {
      // Keep the unsent tail: frame boundaries inside it must stay intact.
      this.blocked = true;
      const from = start + written;
      const end = start + length;
      this.tailBytes = end - from;
      if (buffer === spill) {
        // Already this queue's own: keep filling it behind the tail.
        this.spill = spill;
        this.spillEnd = spillEnd;
        this.append(buffer, from, end);
      } else if (buffer === scratch || end - from <= MAX_SPILL) {
        // The shared scratch is reused by the next flush, and a short tail
        // of an arena would keep all of it alive: copy.
        this.copyIn(buffer, from, end);
      } else {
        // A large tail of a buffer sized for it (a backlog gathered on its
        // own, a big reply) is kept as it is.
        this.append(buffer, from, end);
      }
    }
    return true;
  }

  /** Copies a frame into the queue's own spill buffer (while blocked). */
  private copyIn(buffer: Uint8Array, start: number, end: number): void {
    const length = end - start;
    let spill = this.spill;
    if (spill === undefined || spill.length - this.spillEnd < length) {
      // Grows by doubling up to 64 KiB a buffer, so a queue holding a little
      // holds little memory.
      const size = Math.min(MAX_SPILL, Math.max(MIN_SPILL, 2 * (spill?.length ?? 0)));
      spill = new Uint8Array(Math.max(length, size));
      this.spill = spill;
      this.spillEnd = 0;
    }
    spill.set(
      start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end),
      this.spillEnd,
    );
    this.append(spill, this.spillEnd, this.spillEnd + length);
    this.spillEnd += length;
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
    // The tail is the start of the first slice (frames copied in later may
    // have joined it).
    for (let i = 1; i < this.count; i++) this.buffers[i] = EMPTY;
    this.count = 1;
    this.ends[0] = this.starts[0]! + this.tailBytes;
    this.bytes = this.tailBytes;
  }

  clear(): void {
    // Drop references so shared buffers can be collected.
    for (let i = 0; i < this.count; i++) this.buffers[i] = EMPTY;
    this.count = 0;
    this.bytes = 0;
    this.spill = undefined;
    this.spillEnd = 0;
  }
}

const EMPTY = new Uint8Array(0);
/** Sizes of the buffers a blocked queue copies into. */
const MIN_SPILL = 4 * 1024;
const MAX_SPILL = 64 * 1024;
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
