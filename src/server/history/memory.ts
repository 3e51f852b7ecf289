import {
  fillPage,
  type HistoryStore,
  type Page,
  type Selection,
  type TopicState,
} from "./store.ts";

interface Entry {
  seq: number;
  at: number;
  message: boolean;
  payload: Uint8Array;
}

/**
 * The newest `limit` events of one topic. Grows by doubling up to the limit,
 * so the many quiet topics (every ID has one) stay small.
 */
class Ring {
  private items: (Entry | undefined)[] = new Array(8);
  private head = 0;
  count = 0;
  messages = 0;
  latestSeq = 0;
  latestAt = 0;

  constructor(private readonly limit: number) {}

  push(entry: Entry): void {
    this.latestSeq = entry.seq;
    this.latestAt = entry.at;
    if (entry.message) this.messages++;
    if (this.count === this.items.length && this.count < this.limit) this.grow();
    if (this.count < this.items.length) {
      this.items[(this.head + this.count) % this.items.length] = entry;
      this.count++;
      return;
    }
    const evicted = this.items[this.head]!;
    if (evicted.message) this.messages--;
    this.items[this.head] = entry;
    this.head = (this.head + 1) % this.items.length;
  }

  at(index: number): Entry {
    return this.items[(this.head + index) % this.items.length]!;
  }

  /** Index of the first entry whose key is >= value (entries are sorted by both keys). */
  lowerBound(value: number, key: "seq" | "at"): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at(mid)[key] < value) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private grow(): void {
    const size = Math.min(this.limit, this.items.length * 2);
    const items: (Entry | undefined)[] = new Array(size);
    for (let i = 0; i < this.count; i++) items[i] = this.at(i);
    this.items = items;
    this.head = 0;
  }
}

/**
 * History in memory: a bounded ring per topic (`limit` newest events).
 * Nothing survives a restart.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly limit = 10_000) {}

  keeps(): boolean {
    return true;
  }

  append(topic: string, seq: number, at: number, message: boolean, payload: Uint8Array): void {
    let ring = this.rings.get(topic);
    if (ring === undefined) {
      ring = new Ring(this.limit);
      this.rings.set(topic, ring);
    }
    ring.push({ seq, at, message, payload });
  }

  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page {
    const ring = this.rings.get(topic);
    if (ring === undefined || ring.count === 0) return { events: [], more: false };
    let start: number;
    if ("after" in selection) start = ring.lowerBound(selection.after + 1, "seq");
    else if ("since" in selection) start = ring.lowerBound(selection.since, "at");
    else start = Math.max(0, ring.count - selection.last);
    let index = start;
    const next = () => (index < ring.count ? ring.at(index++).payload : undefined);
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
