import type { NameKind } from "../protocol/index.ts";
import type { Connection } from "./connection.ts";
import type { TopicRef } from "./history/store.ts";
import { Receivers } from "./receivers.ts";

/**
 * A topic's live state: who receives its events and its counters. Channels
 * also count their subscribed IDs, for presence (`join` when an ID's first
 * connection subscribes, `leave` when its last one goes). The hub forgets a
 * topic nobody receives; what history retains of it keeps its counters and
 * epoch until then.
 *
 * Most IDs have one connection, and a channel's subscribers are then its
 * members: only IDs with more than one connection are counted by
 * connection, in a map made when first needed (a map of one entry costs
 * about 260 bytes, which 200,000 channels of one subscriber each would pay
 * for nothing).
 */
export class Topic implements TopicRef {
  /** Connections receiving this topic's events (receivers.ts). */
  readonly subscribers = new Receivers<Connection>(this);
  /** Distinct IDs subscribed (channels only): what `topics` reports. */
  memberCount = 0;
  /** ID -> its connections subscribed here, for IDs with more than one connection. */
  private counts: Map<string, number> | undefined;
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

  /**
   * Counts one more connection of `id`, which has other connections if
   * `shared`; true if it is the ID's first here (a join).
   */
  addMember(id: string, shared: boolean): boolean {
    const count = this.counts?.get(id);
    if (count !== undefined) {
      this.counts!.set(id, count + 1);
      return false;
    }
    if (shared) this.countsMade().set(id, 1);
    if (++this.memberCount === 1) this.onMembers?.(this.name, true);
    return true;
  }

  /** Counts one connection of `id` less; true if it was the ID's last here (a leave). */
  removeMember(id: string): boolean {
    const count = this.counts?.get(id);
    if (count !== undefined && count > 1) {
      this.counts!.set(id, count - 1);
      return false;
    }
    this.counts?.delete(id);
    if (--this.memberCount === 0) this.onMembers?.(this.name, false);
    return true;
  }

  /**
   * `id`, subscribed here by its one connection so far, has another one:
   * from now on its subscriptions here are counted by connection.
   */
  countByConnection(id: string): void {
    if (!this.counts?.has(id)) this.countsMade().set(id, 1);
  }

  /** The per-connection counts, made when first needed. */
  private countsMade(): Map<string, number> {
    this.counts ??= new Map();
    return this.counts;
  }
}
