/**
 * Where events are kept for `history` replies: the store interface and the
 * store that keeps nothing. A store keeps each event's encoded payload
 * exactly as it was pushed, so a `backlog` splices the same bytes every
 * live recipient got.
 */

/** Which events of a topic a `history` request selects (protocol.md §5). */
export type Selection =
  | { after: number }
  /** Milliseconds: events with `at >= since`. */
  | { since: number }
  | { last: number };

export interface Page {
  /** Event payloads (no length prefix), ascending seq. */
  events: Uint8Array[];
  /** True when the selection has events after this page. */
  more: boolean;
}

/** The last event a topic had: its seq, `at` (ms) and the epoch they count in. */
export interface TopicState {
  seq: number;
  at: number;
  epoch: string;
}

/** What a store is told of the topic an event belongs to. */
export interface TopicRef {
  /** Full name. */
  readonly name: string;
  /** The topic's sequence space (protocol.md §5 Epochs), kept with its counters. */
  readonly epoch: string;
  /**
   * True for an ID topic whose ID has not connected: its messages count
   * against the small inbox bounds (limits.ts) until the ID connects.
   */
  readonly inbox: boolean;
}

/**
 * Where events are kept for `history`. A store decides what it retains; a
 * topic of which nothing is retained is forgotten, counters and epoch
 * included, and its numbering starts again (in a new epoch) at its next
 * event.
 */
export interface HistoryStore {
  /** True when history of `topic` is kept (else `backlog.available` is false). */
  keeps(topic: string): boolean;
  /**
   * Records an event; `message` is false for join/leave events. A store
   * without `commit` writes it at once and throws if it cannot (the event
   * is then not published).
   */
  append(topic: TopicRef, seq: number, at: number, message: boolean, payload: Uint8Array): void;
  /**
   * The first events of a selection, in ascending seq: at most `limit`, and
   * payloads totalling at most `byteBudget` bytes (at least one event when
   * the selection is not empty and the first fits the budget).
   */
  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page;
  /** The latest seq, `at` and epoch of a topic while anything of it is retained. */
  latest(topic: string): TopicState | undefined;
  /** The ID of this ID topic connected: what its inbox holds becomes ordinary history. */
  claim?(topic: string): void;
  /**
   * Nobody receives the topic any more and nothing of it waits to be
   * stored: a store may drop what is not worth keeping of it then (a
   * channel's presence, when it has no messages).
   */
  idle?(topic: string): void;
  /** Channels (`#…`) that have retained `message` events. */
  channelsWithMessages(): Iterable<string>;
  /**
   * Tells `listener` whenever a channel gets its first retained `message`
   * event or loses its last, so the server's `topics` list follows without
   * scanning. A store without it is wrapped (watched.ts): its channels are
   * listed as messages are appended to them, and `channelsWithMessages` is
   * read again every max(1024, channels it kept) appends and once a minute to find
   * those it let go of.
   */
  watchChannels?(listener: (channel: string, hasMessages: boolean) => void): void;
  /**
   * Tells `listener` whenever the store lets go of everything of a topic
   * (nothing of it retained: its counters and epoch go too); returns how
   * many topics it keeps now. The server counts the topics it holds state
   * for against `maxTopics` with it; the topics of a store without it are
   * the store's own to bound.
   */
  watchTopics?(listener: (topic: string) => void): number;
  /**
   * For stores that batch writes: makes every append since the last commit
   * durable, all or nothing, and throws if it cannot (those appends are
   * then dropped). The server publishes a batch's events, and acknowledges
   * its messages, only once this returned.
   */
  commit?(): void;
  close(): void;
}

/** A store that keeps nothing: every `backlog` says `available: false`. */
export class NoHistoryStore implements HistoryStore {
  keeps(): boolean {
    return false;
  }
  append(): void {}
  select(): Page {
    return { events: [], more: false };
  }
  latest(): TopicState | undefined {
    return undefined;
  }
  channelsWithMessages(): Iterable<string> {
    return [];
  }
  watchChannels(): void {
    // Nothing is ever retained: no channel to report.
  }
  close(): void {}
}

/**
 * Takes payloads from a source in seq order while the page has room: the
 * shared paging rule of every store.
 */
export function fillPage(
  next: () => Uint8Array | undefined,
  remainingInSelection: number,
  limit: number,
  byteBudget: number,
): Page {
  const events: Uint8Array[] = [];
  let bytes = 0;
  const max = Math.min(limit, remainingInSelection);
  while (events.length < max) {
    const payload = next();
    if (payload === undefined) break;
    if (bytes + payload.length > byteBudget) break;
    bytes += payload.length;
    events.push(payload);
  }
  return { events, more: events.length < remainingInSelection };
}
