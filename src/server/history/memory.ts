import {
  fillPage,
  type HistoryStore,
  type Page,
  type Selection,
  type TopicState,
} from "./store.ts";

/** Payload bytes live in chunks growing from this size... */
const FIRST_CHUNK = 1024;
/** ...to this one (a payload larger than a chunk gets a chunk of its own size). */
const MAX_CHUNK = 1 << 16;

/**
 * The newest events of one topic, at most `limit` of them and at most
 * `maxBytes` of payload. Kept in typed arrays and byte chunks rather than an
 * object per event: tens of thousands of retained events then cost the
 * garbage collector almost nothing. Grows on demand, so the many quiet
 * topics (every ID has one) stay small.
 */
class Ring {
  private capacity = 8;
  private seqs = new Float64Array(this.capacity);
  private ats = new Float64Array(this.capacity);
  private chunkOf = new Float64Array(this.capacity);
  private offsets = new Int32Array(this.capacity);
  private lengths = new Int32Array(this.capacity);
  private kinds = new Uint8Array(this.capacity);
  /** Index of the oldest entry in the arrays. */
  private head = 0;
  count = 0;
  /** Retained `message` events (the rest are join/leave). */
  messages = 0;
  private retainedBytes = 0;
  latestSeq = 0;
  latestAt = 0;

  /** Byte chunks; `chunks[0]` has number `firstChunk`. */
  private chunks: Uint8Array[] = [];
  private firstChunk = 0;
  private chunkPos = 0;

  constructor(
    private readonly limit: number,
    private readonly maxBytes: number,
  ) {}

  push(seq: number, at: number, message: boolean, payload: Uint8Array): void {
    this.latestSeq = seq;
    this.latestAt = at;
    if (this.count === this.capacity && this.capacity < this.limit) this.grow();
    while (
      this.count > 0 &&
      (this.count === this.capacity || this.retainedBytes + payload.length > this.maxBytes)
    ) {
      this.evictOldest();
    }
    const slot = (this.head + this.count) % this.capacity;
    this.seqs[slot] = seq;
    this.ats[slot] = at;
    this.kinds[slot] = message ? 1 : 0;
    this.place(slot, payload);
    this.count++;
    this.retainedBytes += payload.length;
    if (message) this.messages++;
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
    this.lengths[slot] = payload.length;
    this.chunkPos += payload.length;
  }

  private evictOldest(): void {
    const slot = this.head;
    if (this.kinds[slot] === 1) this.messages--;
    this.retainedBytes -= this.lengths[slot]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    // Free the chunks no retained entry points into any more.
    const oldestChunk =
      this.count > 0 ? this.chunkOf[this.head]! : this.firstChunk + this.chunks.length - 1;
    while (this.firstChunk < oldestChunk) {
      this.chunks.shift();
      this.firstChunk++;
    }
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
    return chunk.subarray(offset, offset + this.lengths[slot]!);
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

  private grow(): void {
    const capacity = Math.min(this.limit, this.capacity * 2);
    const seqs = new Float64Array(capacity);
    const ats = new Float64Array(capacity);
    const chunkOf = new Float64Array(capacity);
    const offsets = new Int32Array(capacity);
    const lengths = new Int32Array(capacity);
    const kinds = new Uint8Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.capacity;
      seqs[i] = this.seqs[from]!;
      ats[i] = this.ats[from]!;
      chunkOf[i] = this.chunkOf[from]!;
      offsets[i] = this.offsets[from]!;
      lengths[i] = this.lengths[from]!;
      kinds[i] = this.kinds[from]!;
    }
    this.seqs = seqs;
    this.ats = ats;
    this.chunkOf = chunkOf;
    this.offsets = offsets;
    this.lengths = lengths;
    this.kinds = kinds;
    this.capacity = capacity;
    this.head = 0;
  }
}

/**
 * History in memory: per topic the newest `limit` events (default 10000)
 * and at most `maxBytesPerTopic` of payload (default 16 MiB), whichever
 * binds first. Nothing survives a restart.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly rings = new Map<string, Ring>();

  constructor(
    private readonly limit = 10_000,
    private readonly maxBytesPerTopic = 16 * 1024 * 1024,
  ) {}

  keeps(): boolean {
    return true;
  }

  append(topic: string, seq: number, at: number, message: boolean, payload: Uint8Array): void {
    let ring = this.rings.get(topic);
    if (ring === undefined) {
      ring = new Ring(this.limit, this.maxBytesPerTopic);
      this.rings.set(topic, ring);
    }
    ring.push(seq, at, message, payload);
  }

  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page {
    const ring = this.rings.get(topic);
    if (ring === undefined || ring.count === 0) return { events: [], more: false };
    let start: number;
    if ("after" in selection) start = ring.lowerBound(selection.after + 1, false);
    else if ("since" in selection) start = ring.lowerBound(selection.since, true);
    else start = Math.max(0, ring.count - selection.last);
    let index = start;
    const next = () => (index < ring.count ? ring.payloadAt(index++) : undefined);
    return fillPage(next, ring.count - start, limit, byteBudget);
  }

  latest(topic: string): TopicState | undefined {
    const ring = this.rings.get(topic);
    return ring === undefined ? undefined : { seq: ring.latestSeq, at: ring.latestAt };
  }

  *channelsWithMessages(): Iterable<string> {
    for (const [topic, ring] of this.rings) {
      if (ring.messages > 0 && topic.startsWith("#")) yield topic;
    }
  }

  close(): void {
    this.rings.clear();
  }
}
