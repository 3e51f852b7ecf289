import { type ArenaPins, sharedCopy } from "./arena-pins.ts";

/** The part of a socket the queue needs: `write` returns bytes taken, -1 when closed. */
export interface Writable {
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
}

/**
 * A connection's unsent output, as slices of buffers: whole frames, except
 * that the first may start inside the frame a partial write left half-sent.
 *
 * Event frames of one tick are laid out back to back in a shared arena (see
 * wire.ts), so for a subscriber the frames it gets in a burst are usually
 * one contiguous slice: `push` extends the last slice instead of adding one,
 * and `flush` hands that slice to the socket in one `write`, with no copy.
 * Slices that do not join are gathered in a scratch buffer shared by all
 * connections, at most 1 MiB a write: a flush allocates nothing, however
 * much is queued.
 *
 * Bun's `write` does not buffer: what the kernel did not take stays here
 * until `drain`, and the queue is blocked. A blocked queue keeps its slices
 * of shared arenas where they are, no copy made (copies of a fan-out's tail
 * for every slow subscriber were garbage that the collector fell far
 * behind, above all when those subscribers were dropped right after), and
 * pins each arena it refers to (arena-pins.ts), where the server counts it
 * once, however many queues share it; `held` is what the queue keeps of its
 * own, `shared` what it uses of arenas. Only when a queue
 * refers to arenas for far more than it uses of them (a few events each:
 * a slow subscriber of a quiet channel on a busy server) does it copy its
 * frames out: small ones into spill buffers of its own, larger ones into a
 * copy made once per event and shared by every queue that copies it. A
 * buffer that is a whole frame (a reply) is always its own.
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
  /** Bytes at the head that finish the frame the peer has the start of (0: at a frame boundary). */
  private frameLeft = 0;
  /** The spill buffer frames are copied into, and how far it is used. */
  private spill: Uint8Array | undefined;
  private spillEnd = 0;
  /** While blocked: bytes queued in slices of shared arenas, those arenas (each once), and their size. */
  private sharedBytes = 0;
  private readonly pinnedArenas: Uint8Array[] = [];
  private pinned = 0;

  constructor(
    /** Where the arenas a blocked queue refers to are counted (none: not counted). */
    private readonly pins?: ArenaPins,
  ) {}

  /** Queues `buffer[start..end)`, whole frames. Returns the bytes of bookkeeping it added (a new slice). */
  push(buffer: Uint8Array, start = 0, end = buffer.length): number {
    if (this.blocked) {
      this.refer(buffer, start, end);
      return 0;
    }
    return this.append(buffer, start, end);
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  /**
   * Memory this queue keeps of its own while blocked: its bytes not in
   * shared arenas, and the unused room of its spill buffers (the one being
   * filled, and the part of the oldest already written).
   */
  get held(): number {
    let slack = this.spill === undefined ? 0 : this.spill.length - this.spillEnd;
    if (this.first < this.count && spills.has(this.buffers[this.first]!)) {
      slack += this.starts[this.first]!;
    }
    return this.bytes - this.sharedBytes + slack;
  }

  /** Bytes it queues in shared arenas while blocked (pinned, counted where the pins are). */
  get shared(): number {
    return this.sharedBytes;
  }

  /**
   * Writes what is queued: one `write` unless more than 1 MiB of slices that
   * do not join is queued. Returns false if the socket is closed (the queue
   * is then discarded). After a partial write the queue is blocked and
   * still refers to the buffers it was given: `own()` makes it keep copies.
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
        this.frameLeft = frameRest(buffer, start, length, this.frameLeft, written);
        this.drop(written);
        this.blocked = true;
        this.measure();
        return true;
      }
      // A piece ends at a slice's end: a frame boundary.
      this.frameLeft = 0;
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

  /** Counts the shared arenas a blocked queue refers to; copies its frames out if it uses little of them. */
  private measure(): void {
    this.unpinAll();
    for (let i = this.first; i < this.count; i++) {
      const buffer = this.buffers[i]!;
      if (isWhole(buffer, this.starts[i]!, this.ends[i]!) || spills.has(buffer)) continue;
      this.sharedBytes += this.ends[i]! - this.starts[i]!;
      this.pinArena(buffer);
    }
    if (this.sparse) this.own();
  }

  /** Pins `buffer` unless it is the last one pinned: arenas come in the order they were made. */
  private pinArena(buffer: Uint8Array): boolean {
    if (buffer === this.pinnedArenas[this.pinnedArenas.length - 1]) return false;
    this.pinnedArenas.push(buffer);
    this.pinned += buffer.length;
    this.pins?.pin(buffer);
    return true;
  }

  private unpinAll(): void {
    for (const buffer of this.pinnedArenas) this.pins?.unpin(buffer);
    this.pinnedArenas.length = 0;
    this.pinned = 0;
    this.sharedBytes = 0;
  }

  /** Queues a slice while blocked, by reference. */
  private refer(buffer: Uint8Array, start: number, end: number): void {
    this.append(buffer, start, end);
    if (isWhole(buffer, start, end)) return;
    this.sharedBytes += end - start;
    if (this.pinArena(buffer) && this.sparse) this.own();
  }

  /** It refers to arenas for much more than it uses of them. */
  private get sparse(): boolean {
    return this.pinned > MIN_PINNED_COPY && this.pinned > PIN_RATIO * this.sharedBytes;
  }

  /** Copies every frame the queue refers to in a shared arena into memory of its own. */
  private own(): void {
    const rest: [Uint8Array, number, number][] = [];
    for (let i = this.first; i < this.count; i++) {
      rest.push([this.buffers[i]!, this.starts[i]!, this.ends[i]!]);
    }
    const frameLeft = this.frameLeft;
    const { spill, spillEnd } = this;
    this.reset();
    // Still the spill being filled: frames copied later join its last slice.
    this.spill = spill;
    this.spillEnd = spillEnd;
    for (let i = 0; i < rest.length; i++) {
      const [b, s, e] = rest[i]!;
      if (isWhole(b, s, e) || spills.has(b)) this.append(b, s, e);
      else this.copyOut(b, s, e, i === 0 ? frameLeft : 0);
    }
    this.frameLeft = frameLeft;
  }

  /**
   * Drops the frames not yet started; what is left of the frame a partial
   * write began stays (copied into a buffer of its own, at most a frame),
   * since the peer already has its start. Used when the connection is being
   * closed.
   */
  truncateToHead(): void {
    const left = this.blocked && this.first < this.count ? this.frameLeft : 0;
    if (left === 0) {
      this.clear();
      return;
    }
    const start = this.starts[this.first]!;
    const rest = this.buffers[this.first]!.slice(start, start + left);
    this.clear();
    this.append(rest, 0, left);
    this.frameLeft = left;
  }

  clear(): void {
    this.reset();
    this.frameLeft = 0;
    // Arrays grown for a burst go once it is written: every connection
    // keeps its queue, idle or not, so slots left from bursts add up.
    if (this.buffers.length > MAX_IDLE_SLICES) {
      this.buffers = [];
      this.starts = [];
      this.ends = [];
    }
  }

  /** Empties the slices and forgets the spill, keeping `blocked` and `frameLeft`. */
  private reset(): void {
    // Drop references so shared buffers can be collected.
    for (let i = this.first; i < this.count; i++) this.buffers[i] = EMPTY;
    this.first = 0;
    this.count = 0;
    this.bytes = 0;
    this.spill = undefined;
    this.spillEnd = 0;
    if (this.pinnedArenas.length > 0) this.unpinAll();
  }

  /** Drops `n` bytes from the head (taken by a partial write). */
  private drop(n: number): void {
    this.bytes -= n;
    while (n > 0) {
      const length = this.ends[this.first]! - this.starts[this.first]!;
      if (n < length) {
        this.starts[this.first]! += n;
        return;
      }
      this.buffers[this.first] = EMPTY;
      this.first++;
      n -= length;
    }
  }

  private append(buffer: Uint8Array, start: number, end: number): number {
    this.bytes += end - start;
    const last = this.count - 1;
    if (last >= this.first && this.buffers[last] === buffer && this.ends[last] === start) {
      this.ends[last] = end;
      return 0;
    }
    this.buffers[this.count] = buffer;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
    return SLICE_BYTES;
  }

  /**
   * Queues a slice of a shared arena as copies of its own, frame by frame;
   * its first `lead` bytes are the rest of a half-sent frame.
   */
  private copyOut(buffer: Uint8Array, start: number, end: number, lead: number): void {
    let at = start;
    if (lead > 0) {
      const to = Math.min(end, at + lead);
      if (to - at < SPILL_FRAME) this.copyIn(buffer, at, to);
      else this.append(buffer.slice(at, to), 0, to - at);
      at = to;
    }
    // Runs of small frames are copied in one go.
    let run = at;
    while (at < end) {
      const to = Math.min(end, at + 2 + (buffer[at]! | (buffer[at + 1]! << 8)));
      if (to - at >= SPILL_FRAME) {
        if (run < at) this.copyIn(buffer, run, at);
        this.append(sharedCopy(buffer, at, to), 0, to - at);
        run = to;
      }
      at = to;
    }
    if (run < end) this.copyIn(buffer, run, end);
  }

  /** Copies small frames (a run of them) into the queue's spill buffer. */
  private copyIn(buffer: Uint8Array, start: number, end: number): void {
    const length = end - start;
    let spill = this.spill;
    if (spill === undefined || spill.length - this.spillEnd < length) {
      // Sized after what the queue holds, so a queue holding little holds
      // little room.
      let size = MIN_SPILL;
      while (size < MAX_SPILL && size < this.bytes) size *= 2;
      spill = new Uint8Array(Math.max(size, length));
      spills.add(spill);
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

/**
 * Bytes left of the frame the peer has the start of, after a write of
 * `buffer[start..start+length)` that the kernel took `written` bytes of;
 * the piece began `frameLeft` bytes before a frame boundary. Walks the
 * length prefixes of the frames written.
 */
function frameRest(
  buffer: Uint8Array,
  start: number,
  length: number,
  frameLeft: number,
  written: number,
): number {
  let at = frameLeft;
  // A prefix always lies inside the piece: it ends at a frame boundary.
  while (at < written && at + 1 < length) {
    at += 2 + (buffer[start + at]! | (buffer[start + at + 1]! << 8));
  }
  return Math.max(0, Math.min(at, length) - written);
}

function isWhole(buffer: Uint8Array, start: number, end: number): boolean {
  return start === 0 && end === buffer.length;
}

/** The queues' spill buffers: memory of their own, never shared. */
const spills = new WeakSet<Uint8Array>();

const EMPTY = new Uint8Array(0);
/** Bookkeeping a slice costs a queue: three array slots. */
export const SLICE_BYTES = 24;
/** A blocked queue copies its frames out once it refers to more than this, and to PIN_RATIO times what it uses. */
const MIN_PINNED_COPY = 256 * 1024;
const PIN_RATIO = 8;
/** Frames shorter than this are copied into spill buffers; longer ones get a (shared) copy of their own. */
const SPILL_FRAME = 1024;
/** Sizes of the buffers a blocked queue copies into. */
const MIN_SPILL = 4 * 1024;
const MAX_SPILL = 64 * 1024;
/** Most bytes gathered for one write. */
const MAX_SCRATCH = 1024 * 1024;
/** A queue emptied with more array slots than this lets them go (128 slots: 3 KiB). */
const MAX_IDLE_SLICES = 128;
let scratch = new Uint8Array(64 * 1024);
