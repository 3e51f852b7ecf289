import { SortedNames } from "./sorted-names.ts";

/** Filtered name lists kept for reuse while nothing changes. */
const CACHED_FILTERS = 8;

/**
 * The channels a `topics` request lists — those with a subscriber or with
 * retained `message` events (protocol.md §5 Topics) — kept sorted as they
 * change rather than gathered and sorted per request: a page costs
 * O(log n + page). The hub reports subscribers (a channel's first ID
 * joins, its last leaves), the history store reports retained messages.
 */
export class ChannelDirectory {
  private readonly names = new SortedNames();
  private readonly withMessages = new Set<string>();
  /** filter -> the names containing it, valid until the list changes. */
  private readonly filtered = new Map<string, string[]>();

  constructor(
    /** Whether a channel has a subscribed ID now (the hub knows: no set of names kept twice). */
    private readonly hasSubscribers: (channel: string) => boolean,
  ) {}

  /** A channel got its first subscribed ID, or lost its last. */
  readonly subscribers = (channel: string, _present: boolean): void => {
    this.relist(channel);
  };

  /** A channel got its first retained message, or lost its last. */
  readonly messages = (channel: string, present: boolean): void => {
    if (present) this.withMessages.add(channel);
    else this.withMessages.delete(channel);
    this.relist(channel);
  };

  /** Channels listed. */
  get size(): number {
    return this.names.size;
  }

  /** Up to `count` listed names from position `offset` on, sorted. */
  page(offset: number, count: number): string[] {
    return this.names.slice(offset, count);
  }

  /** The names containing `filter`, if a list of them is kept (no scan). */
  cached(filter: string): string[] | undefined {
    return this.filtered.get(filter);
  }

  /** The names containing `filter`, sorted: a scan of every name unless cached. */
  matching(filter: string): string[] {
    let list = this.filtered.get(filter);
    if (list === undefined) {
      list = [];
      for (const name of this.names) if (name.includes(filter)) list.push(name);
      if (this.filtered.size >= CACHED_FILTERS) {
        this.filtered.delete(this.filtered.keys().next().value!);
      }
      this.filtered.set(filter, list);
    }
    return list;
  }

  private relist(channel: string): void {
    const listed = this.hasSubscribers(channel) || this.withMessages.has(channel);
    const changed = listed ? this.names.add(channel) : this.names.delete(channel);
    if (changed) this.filtered.clear();
  }
}
