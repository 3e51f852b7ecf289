import { Lane } from "./lane.ts";
import type { PoolLimits, PoolName, RetentionLimits } from "./limits.ts";

/**
 * What a store keeps of one topic while any of its events is retained: its
 * counters and epoch (so numbering goes on after the hub forgot the topic)
 * and a lane per kind of event. Once nothing is retained the log is
 * released, and the topic's next event starts a new epoch at seq 1.
 */
export class TopicLog {
  seq = 0;
  at = 0;
  messages: Lane | undefined;
  presence: Lane | undefined;

  constructor(
    readonly name: string,
    readonly epoch: string,
    /** True while its messages count against the inbox pool (an ID that has not connected). */
    public inbox: boolean,
  ) {}

  get retained(): number {
    return (this.messages?.count ?? 0) + (this.presence?.count ?? 0);
  }
}

/**
 * A pool's retained events in the order they came, across all its topics,
 * so the oldest goes first when the pool is over its total. Entries are
 * (lane, seq); one whose event is gone already (evicted by its topic's own
 * bound, or moved to another pool) is skipped when reached, and the list is
 * compacted when such entries outnumber the live ones.
 */
export class Pool {
  events = 0;
  bytes = 0;
  private lanes: (Lane | undefined)[] = [];
  private seqs: number[] = [];
  private head = 0;

  constructor(
    readonly name: PoolName,
    readonly limits: PoolLimits,
  ) {}

  get overTotal(): boolean {
    return this.events > this.limits.totalEvents || this.bytes > this.limits.totalBytes;
  }

  enqueue(lane: Lane, seq: number): void {
    this.lanes.push(lane);
    this.seqs.push(seq);
    if (this.lanes.length - this.head > 2 * this.events + 1024) this.compact();
  }

  /** The lane whose oldest event is the pool's oldest, or undefined when empty. */
  oldest(): Lane | undefined {
    while (this.head < this.lanes.length) {
      const lane = this.lanes[this.head]!;
      const seq = this.seqs[this.head]!;
      this.lanes[this.head] = undefined;
      this.head++;
      if (this.head > 4096 && this.head * 2 > this.lanes.length) this.dropHead();
      if (this.isLive(lane, seq)) return lane;
    }
    return undefined;
  }

  private isLive(lane: Lane, seq: number): boolean {
    return lane.pool === this && lane.count > 0 && seq >= lane.oldestSeq();
  }

  private dropHead(): void {
    this.lanes = this.lanes.slice(this.head);
    this.seqs = this.seqs.slice(this.head);
    this.head = 0;
  }

  private compact(): void {
    const lanes: Lane[] = [];
    const seqs: number[] = [];
    for (let i = this.head; i < this.lanes.length; i++) {
      const lane = this.lanes[i]!;
      if (this.isLive(lane, this.seqs[i]!)) {
        lanes.push(lane);
        seqs.push(this.seqs[i]!);
      }
    }
    this.lanes = lanes;
    this.seqs = seqs;
    this.head = 0;
  }
}

/** What a store with payloads elsewhere (sqlite) must do as retention decides. */
export interface RetentionHooks {
  /** The oldest retained events of this kind, up to `seq`, are dropped. */
  evicted?(log: TopicLog, message: boolean, seq: number): void;
  /** Nothing of the topic is retained any more: its counters go too. */
  released?(log: TopicLog): void;
  /** A topic's log was created again after being released. */
  created?(log: TopicLog): void;
}

export interface PoolStats {
  events: number;
  bytes: number;
}

export interface RetentionStats {
  /** Topics with anything retained. */
  topics: number;
  pools: Record<PoolName, PoolStats>;
}

/**
 * Which events a store keeps: each event counts against its pool's bound
 * per topic and in total, and past either the oldest goes. Shared by the
 * memory store (with payloads) and the sqlite store (payload sizes only,
 * its payloads are on disk).
 */
export class Retention {
  readonly topics = new Map<string, TopicLog>();
  /** Channels with retained `message` events, kept as they change. */
  readonly channels = new Set<string>();
  /** Told when a channel gets its first retained message or loses its last. */
  onChannel: ((channel: string, hasMessages: boolean) => void) | undefined;
  /** Told when nothing of a topic is retained any more (its log is gone). */
  onRelease: ((topic: string) => void) | undefined;
  private readonly pools: Record<PoolName, Pool>;

  constructor(
    limits: RetentionLimits,
    private readonly keepPayloads: boolean,
    private readonly hooks: RetentionHooks = {},
  ) {
    this.pools = {
      messages: new Pool("messages", limits.messages),
      presence: new Pool("presence", limits.presence),
      inbox: new Pool("inbox", limits.inbox),
    };
  }

  /**
   * Records an event. `inbox` says the topic is an ID that has not
   * connected; once a topic's messages count as ordinary history they stay
   * so while retained.
   */
  append(
    name: string,
    epoch: string,
    inbox: boolean,
    seq: number,
    at: number,
    message: boolean,
    payload: Uint8Array | number,
  ): TopicLog {
    let log = this.topics.get(name);
    if (log !== undefined && log.epoch !== epoch) {
      // The topic's numbering started again: what was kept belongs to the old epoch.
      this.release(log);
      log = undefined;
    }
    if (log === undefined) {
      log = new TopicLog(name, epoch, inbox);
      this.topics.set(name, log);
      this.hooks.created?.(log);
    } else if (!inbox && log.inbox) {
      this.claimLog(log);
    }
    log.seq = seq;
    log.at = at;
    let lane: Lane;
    if (message) {
      lane = log.messages ??= this.newLane(log, true, log.inbox ? "inbox" : "messages");
      if (lane.count === 0 && name.startsWith("#") && !this.channels.has(name)) {
        this.channels.add(name);
        this.onChannel?.(name, true);
      }
    } else {
      lane = log.presence ??= this.newLane(log, false, "presence");
    }
    const pool = lane.pool;
    const size = typeof payload === "number" ? payload : payload.length;
    // Room within the topic's own bound first; the log stays (it gets this event).
    while (
      lane.count > 0 &&
      (lane.count >= pool.limits.topicEvents || lane.bytes + size > pool.limits.topicBytes)
    ) {
      this.evict(lane, false);
    }
    lane.push(seq, at, payload);
    pool.events++;
    pool.bytes += size;
    pool.enqueue(lane, seq);
    this.trimPool(pool);
    return log;
  }

  /** An ID connected: what its inbox holds becomes ordinary history. */
  claim(name: string): TopicLog | undefined {
    const log = this.topics.get(name);
    if (log?.inbox) this.claimLog(log);
    return log;
  }

  /**
   * Nobody is subscribed to the topic: a channel with no message retained
   * is let go, presence and all. Who joined and left a channel nobody is in
   * and nobody spoke in is not worth its keep, and keeping it would let
   * anyone grow the server by passing through ever-new names.
   */
  idle(name: string): void {
    const log = this.topics.get(name);
    if (log !== undefined && (log.messages?.count ?? 0) === 0) this.release(log);
  }

  stats(): RetentionStats {
    const pool = (p: Pool) => ({ events: p.events, bytes: p.bytes });
    return {
      topics: this.topics.size,
      pools: {
        messages: pool(this.pools.messages),
        presence: pool(this.pools.presence),
        inbox: pool(this.pools.inbox),
      },
    };
  }

  private newLane(log: TopicLog, message: boolean, pool: PoolName): Lane {
    return new Lane(log, message, this.pools[pool], this.keepPayloads);
  }

  private claimLog(log: TopicLog): void {
    log.inbox = false;
    const lane = log.messages;
    if (lane === undefined) return;
    const from = lane.pool;
    const to = this.pools.messages;
    from.events -= lane.count;
    from.bytes -= lane.bytes;
    lane.pool = to;
    for (let i = 0; i < lane.count; i++) to.enqueue(lane, lane.seqAt(i));
    to.events += lane.count;
    to.bytes += lane.bytes;
    while (
      lane.count > 1 &&
      (lane.count > to.limits.topicEvents || lane.bytes > to.limits.topicBytes)
    ) {
      this.evict(lane, false);
    }
    this.trimPool(to);
  }

  /** Evicts the pool's oldest events while it is over its total (never its newest). */
  private trimPool(pool: Pool): void {
    while (pool.overTotal && pool.events > 1) {
      const lane = pool.oldest();
      if (lane === undefined) break;
      this.evict(lane, true);
    }
  }

  private evict(lane: Lane, mayRelease: boolean): void {
    const { log, pool } = lane;
    const seq = lane.oldestSeq();
    const size = lane.evictOldest();
    pool.events--;
    pool.bytes -= size;
    this.hooks.evicted?.(log, lane.message, seq);
    if (lane.count > 0) return;
    if (lane.message) {
      if (log.name.startsWith("#") && this.channels.delete(log.name)) {
        this.onChannel?.(log.name, false);
      }
      if (mayRelease) log.messages = undefined;
    } else if (mayRelease) {
      log.presence = undefined;
    }
    if (mayRelease && log.retained === 0) this.release(log);
  }

  private release(log: TopicLog): void {
    for (const lane of [log.messages, log.presence]) {
      if (lane === undefined) continue;
      lane.pool.events -= lane.count;
      lane.pool.bytes -= lane.bytes;
      while (lane.count > 0) {
        const seq = lane.oldestSeq();
        lane.evictOldest();
        this.hooks.evicted?.(log, lane.message, seq);
      }
    }
    log.messages = undefined;
    log.presence = undefined;
    if (this.channels.delete(log.name)) this.onChannel?.(log.name, false);
    this.topics.delete(log.name);
    this.hooks.released?.(log);
    this.onRelease?.(log.name);
  }
}
