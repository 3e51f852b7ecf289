/**
 * Where events are kept for `history` replies. A store keeps each event's
 * encoded payload exactly as it was pushed, so a `backlog` splices the same
 * bytes every live recipient got.
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

/** The last event a topic had: its seq and `at` (ms). */
export interface TopicState {
  seq: number;
  at: number;
}

export interface HistoryStore {
  /** True when history of `topic` is kept (else `backlog.available` is false). */
  keeps(topic: string): boolean;
  /** Records an event; `message` is false for join/leave events. */
  append(topic: string, seq: number, at: number, message: boolean, payload: Uint8Array): void;
  /**
   * The first events of a selection, in ascending seq: at most `limit`, and
   * payloads totalling at most `byteBudget` bytes (at least one event when
   * the selection is not empty and the first fits the budget).
   */
  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page;
  /** The latest seq and `at` of a topic, which survive retention (and restarts, if persistent). */
  latest(topic: string): TopicState | undefined;
  /** Channels (`#…`) that have retained `message` events. */
  channelsWithMessages(): Iterable<string>;
  /**
   * Makes every append so far durable, for stores that batch writes. The
   * server calls it before it writes the replies of a read, so a `sent`
   * never reaches a client before its event is stored.
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
