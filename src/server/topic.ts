import type { NameKind } from "../protocol/index.ts";
import type { Connection } from "./connection.ts";

/**
 * A topic's live state: who receives its events and its counters. Channels
 * also count subscribed connections per ID, for presence (`join` when an
 * ID's first connection subscribes, `leave` when its last one goes).
 */
export class Topic {
  /** Connections receiving this topic's events. */
  readonly subscribers = new Set<Connection>();
  /** Presence: ID -> number of its connections subscribed (channels only). */
  readonly members = new Map<string, number>();
  /** Latest seq (0 before the first event). */
  seq: number;
  /** `at` of the latest event, ms: the next one is never earlier. */
  at: number;

  constructor(
    readonly name: string,
    readonly kind: NameKind,
    seq = 0,
    at = 0,
  ) {
    this.seq = seq;
    this.at = at;
  }

  /** Counts one more connection of `id`; true if it is the ID's first (a join). */
  addMember(id: string): boolean {
    const count = this.members.get(id) ?? 0;
    this.members.set(id, count + 1);
    return count === 0;
  }

  /** Counts one connection of `id` less; true if it was the ID's last (a leave). */
  removeMember(id: string): boolean {
    const count = this.members.get(id) ?? 0;
    if (count <= 1) {
      this.members.delete(id);
      return count === 1;
    }
    this.members.set(id, count - 1);
    return false;
  }
}
