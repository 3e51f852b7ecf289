import type { Pool, TopicLog } from "./retention.ts";

/** A memory store's payload bytes live in chunks growing from this size... */
const FIRST_CHUNK = 256;
/** ...to this one (a payload larger than a chunk gets a chunk of its own size). */
const MAX_CHUNK = 1 << 16;
/** A lane's arrays shrink again once it holds a quarter of this many slots or fewer. */
const SHRINK_ABOVE = 4;
/** Numbers an entry takes. */
const STRIDE = 4;
/** Chunk numbers are counted in units of this (above any offset into a chunk). */
const CHUNK_SPAN = 2 ** 20;

/**
 * One kind of a topic's retained events (its messages, or its presence),
 * oldest first: seq, `at` and payload size of each, and in a memory store
 * the payload itself. Kept in one typed array and byte chunks rather than an
 * object per event, so tens of thousands of retained events cost the garbage
 * collector almost nothing. Starts tiny and grows on demand (every ID and
 * every channel someone passed through has lanes), and shrinks when
 * eviction leaves it mostly empty: a new chunk is as large as what the
 * lane holds (256 bytes to 64 KiB), and once the room its chunks have
 * besides its payload (unused, or already evicted) is more than that
 * payload, the payload is copied into one chunk of its size. A lane thus
 * holds at most twice its payload, or 256 bytes: many lanes whose old
 * events retention dropped do not each keep a chunk of 64 KiB alive.
 */
export class Lane {
  count = 0;
  /** Payload bytes retained. */
  bytes = 0;
  private capacity = 0;
  /** Index of the oldest entry. */
  private head = 0;
  /**
   * Entries of STRIDE numbers: seq, `at`, payload size, and where the
   * payload is (chunk number * CHUNK_SPAN + offset). One array a lane, not
   * one per field: a lane of two events costs one small allocation.
   */
  private entries = new Float64Array(0);
  /** Byte chunks; `chunks[0]` has number `firstChunk`. */
  private chunks: Uint8Array[] = [];
  private firstChunk = 0;
  private chunkPos = 0;
  /** Bytes of the chunks held. */
  private chunkBytes = 0;

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
    const base = ((this.head + this.count) % this.capacity) * STRIDE;
    const size = typeof payload === "number" ? payload : payload.length;
    const e = this.entries;
    e[base] = seq;
    e[base + 1] = at;
    e[base + 2] = size;
    if (this.keepPayloads && typeof payload !== "number") e[base + 3] = this.place(payload);
    this.count++;
    this.bytes += size;
    if (this.keepPayloads) this.repackIfSparse();
  }

  /** Drops the oldest entry; returns its payload size. */
  evictOldest(): number {
    const size = this.entries[this.head * STRIDE + 2]!;
    this.bytes -= size;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    if (this.keepPayloads) {
      if (this.count === 0) {
        this.firstChunk += this.chunks.length;
        this.chunks = [];
        this.chunkPos = 0;
        this.chunkBytes = 0;
      } else {
        // Free the chunks no retained entry points into any more.
        const oldestChunk = Math.floor(this.entries[this.head * STRIDE + 3]! / CHUNK_SPAN);
        while (this.firstChunk < oldestChunk) {
          this.chunkBytes -= this.chunks.shift()!.length;
          this.firstChunk++;
        }
        this.repackIfSparse();
      }
    }
    if (this.capacity > SHRINK_ABOVE && this.count <= this.capacity / 4) {
      this.resize(this.capacity / 2);
    }
    return size;
  }

  oldestSeq(): number {
    return this.entries[this.head * STRIDE]!;
  }

  seqAt(index: number): number {
    return this.entries[((this.head + index) % this.capacity) * STRIDE]!;
  }

  atAt(index: number): number {
    return this.entries[((this.head + index) % this.capacity) * STRIDE + 1]!;
  }

  payloadAt(index: number): Uint8Array {
    const base = ((this.head + index) % this.capacity) * STRIDE;
    const where = this.entries[base + 3]!;
    const chunk = this.chunks[Math.floor(where / CHUNK_SPAN) - this.firstChunk]!;
    const offset = where % CHUNK_SPAN;
    return chunk.subarray(offset, offset + this.entries[base + 2]!);
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

  /** Copies a payload into the newest chunk (a new one if it does not fit); returns where. */
  private place(payload: Uint8Array): number {
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || chunk.length - this.chunkPos < payload.length) {
      const size = Math.min(MAX_CHUNK, Math.max(FIRST_CHUNK, this.bytes));
      chunk = new Uint8Array(Math.max(payload.length, size));
      this.chunks.push(chunk);
      this.chunkBytes += chunk.length;
      this.chunkPos = 0;
    }
    chunk.set(payload, this.chunkPos);
    const where = (this.firstChunk + this.chunks.length - 1) * CHUNK_SPAN + this.chunkPos;
    this.chunkPos += payload.length;
    return where;
  }

  /** Copies the payload into one chunk of its size once the chunks' other room is more than it. */
  private repackIfSparse(): void {
    if (this.chunkBytes - this.bytes <= Math.max(this.bytes, FIRST_CHUNK)) return;
    // Offsets must stay inside a chunk's span (only small lanes get here: past
    // a few chunks of 64 KiB the room is always less than the payload).
    if (this.bytes >= CHUNK_SPAN) return;
    const chunk = new Uint8Array(Math.max(this.bytes, FIRST_CHUNK));
    const number = this.firstChunk + this.chunks.length;
    let pos = 0;
    for (let i = 0; i < this.count; i++) {
      const base = ((this.head + i) % this.capacity) * STRIDE;
      chunk.set(this.payloadAt(i), pos);
      this.entries[base + 3] = number * CHUNK_SPAN + pos;
      pos += this.entries[base + 2]!;
    }
    this.chunks = [chunk];
    this.firstChunk = number;
    this.chunkPos = pos;
    this.chunkBytes = chunk.length;
  }

  private resize(capacity: number): void {
    const entries = new Float64Array(capacity * STRIDE);
    for (let i = 0; i < this.count; i++) {
      const from = ((this.head + i) % this.capacity) * STRIDE;
      entries.set(this.entries.subarray(from, from + STRIDE), i * STRIDE);
    }
    this.entries = entries;
    this.capacity = capacity;
    this.head = 0;
  }
}
