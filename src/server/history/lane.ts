import type { Pool, TopicLog } from "./retention.ts";

/** A memory store's payload bytes live in chunks growing from this size... */
const FIRST_CHUNK = 256;
/** ...to this one (a payload larger than a chunk gets a chunk of its own size). */
const MAX_CHUNK = 1 << 16;
/** A lane's arrays shrink again once it holds a quarter of this many slots or fewer. */
const SHRINK_ABOVE = 16;

/**
 * One kind of a topic's retained events (its messages, or its presence),
 * oldest first: seq, `at` and payload size of each, and in a memory store
 * the payload itself. Kept in typed arrays and byte chunks rather than an
 * object per event, so tens of thousands of retained events cost the garbage
 * collector almost nothing. Starts tiny and grows on demand (every ID and
 * every channel someone passed through has lanes), and shrinks when
 * eviction leaves it mostly empty.
 */
export class Lane {
  count = 0;
  /** Payload bytes retained. */
  bytes = 0;
  private capacity = 0;
  /** Index of the oldest entry in the arrays. */
  private head = 0;
  private seqs = new Float64Array(0);
  private ats = new Float64Array(0);
  private sizes = new Int32Array(0);
  private chunkOf = new Float64Array(0);
  private offsets = new Int32Array(0);
  /** Byte chunks; `chunks[0]` has number `firstChunk`. */
  private chunks: Uint8Array[] = [];
  private firstChunk = 0;
  private chunkPos = 0;

  /**
   * @param pool the pool it counts against; changes when an inbox is claimed
   * @param keepPayloads false for stores whose payloads live elsewhere
   */
  constructor(
    readonly log: TopicLog,
    readonly message: boolean,
    public pool: Pool,
    private readonly keepPayloads: boolean,
  ) {}

  push(seq: number, at: number, payload: Uint8Array | number): void {
    if (this.count === this.capacity) this.resize(Math.max(2, this.capacity * 2));
    const slot = (this.head + this.count) % this.capacity;
    const size = typeof payload === "number" ? payload : payload.length;
    this.seqs[slot] = seq;
    this.ats[slot] = at;
    this.sizes[slot] = size;
    if (this.keepPayloads && typeof payload !== "number") this.place(slot, payload);
    this.count++;
    this.bytes += size;
  }

  /** Drops the oldest entry; returns its payload size. */
  evictOldest(): number {
    const slot = this.head;
    const size = this.sizes[slot]!;
    this.bytes -= size;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    if (this.keepPayloads) {
      if (this.count === 0) {
        this.firstChunk += this.chunks.length;
        this.chunks = [];
        this.chunkPos = 0;
      } else {
        // Free the chunks no retained entry points into any more.
        const oldestChunk = this.chunkOf[this.head]!;
        while (this.firstChunk < oldestChunk) {
          this.chunks.shift();
          this.firstChunk++;
        }
      }
    }
    if (this.capacity > SHRINK_ABOVE && this.count <= this.capacity / 4) {
      this.resize(this.capacity / 2);
    }
    return size;
  }

  oldestSeq(): number {
    return this.seqs[this.head]!;
  }

  seqAt(index: number): number {
    return this.seqs[(this.head + index) % this.capacity]!;
  }

  atAt(index: number): number {
    return this.ats[(this.head + index) % this.capacity]!;
  }

  payloadAt(index: number): Uint8Array {
    const slot = (this.head + index) % this.capacity;
    const chunk = this.chunks[this.chunkOf[slot]! - this.firstChunk]!;
    const offset = this.offsets[slot]!;
    return chunk.subarray(offset, offset + this.sizes[slot]!);
  }

  /** Index of the first entry whose seq (or `at`) is >= value; both only grow. */
  lowerBound(value: number, byAt: boolean): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((byAt ? this.atAt(mid) : this.seqAt(mid)) < value) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private place(slot: number, payload: Uint8Array): void {
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || chunk.length - this.chunkPos < payload.length) {
      const previous = chunk?.length ?? FIRST_CHUNK / 2;
      chunk = new Uint8Array(Math.max(payload.length, Math.min(MAX_CHUNK, previous * 2)));
      this.chunks.push(chunk);
      this.chunkPos = 0;
    }
    chunk.set(payload, this.chunkPos);
    this.chunkOf[slot] = this.firstChunk + this.chunks.length - 1;
    this.offsets[slot] = this.chunkPos;
    this.chunkPos += payload.length;
  }

  private resize(capacity: number): void {
    const seqs = new Float64Array(capacity);
    const ats = new Float64Array(capacity);
    const sizes = new Int32Array(capacity);
    const chunkOf = new Float64Array(this.keepPayloads ? capacity : 0);
    const offsets = new Int32Array(this.keepPayloads ? capacity : 0);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.capacity;
      seqs[i] = this.seqs[from]!;
      ats[i] = this.ats[from]!;
      sizes[i] = this.sizes[from]!;
      if (this.keepPayloads) {
        chunkOf[i] = this.chunkOf[from]!;
        offsets[i] = this.offsets[from]!;
      }
    }
    this.seqs = seqs;
    this.ats = ats;
    this.sizes = sizes;
    this.chunkOf = chunkOf;
    this.offsets = offsets;
    this.capacity = capacity;
    this.head = 0;
  }
}
