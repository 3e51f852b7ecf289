import type { NameKind } from "../protocol/index.ts";
import type { Connection } from "./connection.ts";
import type { TopicRef } from "./history/store.ts";

/**
 * A topic's live state: who receives its events and its counters. Channels
 * also count subscribed connections per ID, for presence (`join` when an
 * ID's first connection subscribes, `leave` when its last one goes). The
 * hub forgets a topic nobody receives; what history retains of it keeps
 * its counters and epoch until then.
 */
export class Topic implements TopicRef {
  /** Connections receiving this topic's events. */
  readonly subscribers = new Set<Connection>();
  /** Presence: ID -> number of its connections subscribed (channels only). */
  readonly members = new Map<string, number>();
  /** Latest seq (0 before the first event). */
  seq: number;
  /** `at` of the latest event, ms: the next one is never earlier. */
  at: number;
  /**
   * Latest seq published: `seq` but for events a batching store has not
   * written yet. What `subscribed.seq` says, since a new subscriber gets
   * those events live once they are written.
   */
  delivered: number;
  /** Events numbered but not yet stored and published (a batching store). */
  staged = 0;
  /** Told when a channel gets its first subscribed ID or loses its last (the channel directory). */
  onMembers: ((channel: string, present: boolean) => void) | undefined;

  constructor(
    readonly name: string,
    readonly kind: NameKind,
    /** The sequence space `seq` counts in (protocol.md §5 Epochs). */
    readonly epoch: string,
    seq = 0,
    at = 0,
    /** An ID topic whose ID has not connected: DMs to it go to the inbox pool. */
    public inbox = false,
  ) {
    this.seq = seq;
    this.delivered = seq;
    this.at = at;
  }

  /** Counts one more connection of `id`; true if it is the ID's first (a join). */
  addMember(id: string): boolean {
    const count = this.members.get(id) ?? 0;
    this.members.set(id, count + 1);
    if (count === 0 && this.members.size === 1) this.onMembers?.(this.name, true);
    return count === 0;
  }

  /** Counts one connection of `id` less; true if it was the ID's last (a leave). */
  removeMember(id: string): boolean {
    const count = this.members.get(id) ?? 0;
    if (count <= 1) {
      this.members.delete(id);
      if (count === 1 && this.members.size === 0) this.onMembers?.(this.name, false);
      return count === 1;
    }
    this.members.set(id, count - 1);
    return false;
  }
}
