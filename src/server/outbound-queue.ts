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
 * connections, at most 1 MiB a write: a flush allocates nothing, however
 * much is queued (a buffer per large flush, made for every subscriber of a
 * burst of big events, was garbage the collector fell far behind).
 *
 * Bun's `write` does not buffer: what the kernel did not take stays here
 * until `drain`. While it waits the queue is blocked, and its bytes are the
 * memory it holds, which the server's output budget counts: a frame that is
 * a small part of a larger buffer (an event in a 64 KiB arena), and an
 * unsent tail in the scratch, are copied into buffers of this queue, so that
 * a queue does not keep a whole arena alive for one small event of its own.
 * A frame of an eighth of its buffer or more is kept where it is: copying it
 * for each slow subscriber would make garbage faster than the collector
 * takes it, for little memory saved.
 */
export class OutboundQueue {
  private buffers: Uint8Array[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  /** Slices `first..count` are queued. */
  private first = 0;
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
    if (this.blocked && (end - start) * PIN_RATIO < buffer.length) this.copyIn(buffer, start, end);
    else this.append(buffer, start, end);
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  /**
   * Writes what is queued: one `write` unless more than 1 MiB of slices that
   * do not join is queued. Returns false if the socket is closed (the queue
   * is then discarded).
   */
  flush(socket: Writable): boolean {
    if (this.blocked || this.bytes === 0) return true;
    while (this.first < this.count) {
      // The next piece: one slice as it is, or slices gathered up to 1 MiB.
      const from = this.first;
      let to = from + 1;
      let length = this.ends[from]! - this.starts[from]!;
      while (to < this.count && length + this.ends[to]! - this.starts[to]! <= MAX_SCRATCH) {
        length += this.ends[to]! - this.starts[to]!;
        to++;
      }
      let buffer: Uint8Array;
      let start: number;
      if (to === from + 1) {
        buffer = this.buffers[from]!;
        start = this.starts[from]!;
      } else {
        buffer = this.gather(from, to, length);
        start = 0;
      }
      const written = socket.write(buffer, start, length);
      if (written < 0) {
        this.clear();
        return false;
      }
      if (written < length) {
        this.block(buffer, start + written, start + length, to);
        return true;
      }
      for (let i = from; i < to; i++) this.buffers[i] = EMPTY;
      this.bytes -= length;
      this.first = to;
    }
    this.clear();
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
    if (!this.blocked || this.first === this.count) {
      this.clear();
      return;
    }
    // The tail is the start of the first slice (frames copied in later may
    // have joined it).
    const first = this.first;
    for (let i = first + 1; i < this.count; i++) this.buffers[i] = EMPTY;
    this.count = first + 1;
    this.ends[first] = this.starts[first]! + this.tailBytes;
    this.bytes = this.tailBytes;
  }

  clear(): void {
    // Drop references so shared buffers can be collected.
    for (let i = this.first; i < this.count; i++) this.buffers[i] = EMPTY;
    this.first = 0;
    this.count = 0;
    this.bytes = 0;
    this.spill = undefined;
    this.spillEnd = 0;
  }

  private append(buffer: Uint8Array, start: number, end: number): void {
    this.bytes += end - start;
    const last = this.count - 1;
    if (last >= this.first && this.buffers[last] === buffer && this.ends[last] === start) {
      this.ends[last] = end;
      return;
    }
    this.buffers[this.count] = buffer;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  /**
   * A write left `buffer[from..end)` unsent, with slices `next..` behind it:
   * the queue becomes that tail, then those slices, by the rules of a
   * blocked queue. A tail in the shared scratch is always copied.
   */
  private block(buffer: Uint8Array, from: number, end: number, next: number): void {
    const rest: [Uint8Array, number, number][] = [];
    for (let i = next; i < this.count; i++)
      rest.push([this.buffers[i]!, this.starts[i]!, this.ends[i]!]);
    this.clear();
    this.blocked = true;
    this.tailBytes = end - from;
    if (buffer === scratch) this.copyIn(buffer, from, end);
    else this.push(buffer, from, end);
    for (const [b, s, e] of rest) this.push(b, s, e);
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
    spill.set(buffer.subarray(start, end), this.spillEnd);
    this.append(spill, this.spillEnd, this.spillEnd + length);
    this.spillEnd += length;
  }

  /** Gathers slices `from..to` (`length` bytes, at most 1 MiB) into the shared scratch. */
  private gather(from: number, to: number, length: number): Uint8Array {
    if (scratch.length < length) {
      scratch = new Uint8Array(Math.min(MAX_SCRATCH, Math.max(length, scratch.length * 2)));
    }
    let offset = 0;
    for (let i = from; i < to; i++) {
      const buffer = this.buffers[i]!;
      const start = this.starts[i]!;
      const end = this.ends[i]!;
      scratch.set(
        start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end),
        offset,
      );
      offset += end - start;
    }
    return scratch;
  }
}

const EMPTY = new Uint8Array(0);
/** A blocked queue keeps a slice of a buffer at most this many times its size. */
const PIN_RATIO = 8;
/** Sizes of the buffers a blocked queue copies into. */
const MIN_SPILL = 4 * 1024;
const MAX_SPILL = 64 * 1024;
/** Most bytes gathered for one write. */
const MAX_SCRATCH = 1024 * 1024;
let scratch = new Uint8Array(64 * 1024);
