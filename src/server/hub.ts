import { type NameKind, type Ref, ScalarError } from "../protocol/index.ts";
import { ChannelDirectory } from "./channel-directory.ts";
import type { Connection } from "./connection.ts";
import { newEpoch } from "./history/epoch.ts";
import type { WatchedHistoryStore } from "./history/watched.ts";
import { KnownIds } from "./known-ids.ts";
import type { Logger } from "./log.ts";
import { Topic } from "./topic.ts";
import { type EventFields, encodeEventFrame, encodeSentFrame } from "./wire.ts";

/** IDs remembered as having connected (up to ~380 bytes each with a 256-byte ID). */
const KNOWN_IDS = 20_000;

export interface HubOptions {
  now: () => number;
  log: Logger;
  /** IDs known without connecting (token mode: those with a token). */
  registered?: (id: string) => boolean;
  /** Counts the output a turn makes (turn-output.ts): each event frame once. */
  turn?: { made: number };
  /** Topics with state the hub lets there be (`ServerOptions.maxTopics`; default: no bound). */
  maxTopics?: number;
}

/** An event numbered and queued for a batching store, published once stored. */
interface Staged {
  topic: Topic;
  buffer: Uint8Array;
  start: number;
  end: number;
  /** The topic's counters before it, to roll back to if the write fails. */
  seqBefore: number;
  atBefore: number;
  sender: Connection | undefined;
  sent: Uint8Array | undefined;
  ref: Ref | undefined;
}

/**
 * Topics and fan-out. Each event is encoded once into one frame; every
 * subscriber's queue gets that same buffer, and history keeps its payload.
 *
 * With a store that writes at once (memory, none) an event is published as
 * it is made. With a batching store (sqlite) events are staged, stored in
 * one transaction by `settle()` (before output is written, or when a reply
 * must wait for them), and published only then: a `sent` means stored. If
 * the write fails nothing of the batch is published, the senders get
 * `internal`, and the counters go back, so the seqs nobody saw are given
 * again and none is ever given twice.
 */
export class Hub {
  readonly topics = new Map<string, Topic>();
  /** The channels `topics` lists, kept sorted (channel-directory.ts). */
  readonly channels = new ChannelDirectory((name) => (this.topics.get(name)?.memberCount ?? 0) > 0);
  /** Events published since start: the server's measure of load. */
  published = 0;
  /** Channel topics held here (with subscribers, or for a moment while published to). */
  private channelTopics = 0;
  /** Topics the store keeps and the hub does not hold (its reports: watchTopics). */
  private storeOnly = 0;
  private readonly storeCounted: boolean;
  private readonly maxTopics: number;
  private readonly batching: boolean;
  private staged: Staged[] = [];
  private settleScheduled = false;
  private settling = false;
  private readonly known: KnownIds;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly turn: { made: number };
  private readonly settleLater = () => {
    this.settleScheduled = false;
    this.settle();
  };

  constructor(
    /** A store that reports its channels (history/watched.ts wraps one that does not). */
    private readonly store: WatchedHistoryStore,
    options: HubOptions,
  ) {
    this.now = options.now;
    this.log = options.log;
    this.turn = options.turn ?? { made: 0 };
    this.batching = store.commit !== undefined;
    this.known = new KnownIds(KNOWN_IDS, options.registered);
    for (const name of store.channelsWithMessages()) this.channels.messages(name, true);
    store.watchChannels(this.channels.messages);
    this.maxTopics = options.maxTopics ?? Number.POSITIVE_INFINITY;
    const kept = store.watchTopics?.((name) => {
      if (!this.topics.has(name)) this.storeOnly--;
    });
    this.storeCounted = kept !== undefined;
    this.storeOnly = kept ?? 0;
  }

  /**
   * Topics with state counted against `maxTopics`: channels the hub holds
   * and topics only history keeps (the own topics of connected IDs and the
   * wall are bounded by the connections).
   */
  get topicCount(): number {
    return this.channelTopics + this.storeOnly;
  }

  /**
   * Refuses a request that would give the server one more topic with state
   * once it holds `maxTopics`: `busy`, which the contract makes fatal (the
   * server refuses more state, §4). A topic that has state already, held
   * here or kept by history, is always admitted.
   *
   * @throws ScalarError `busy`
   */
  admit(name: string): void {
    if (this.topicCount < this.maxTopics || this.topics.has(name)) return;
    if (this.store.latest(name) !== undefined) return;
    throw new ScalarError(
      "busy",
      `${name}: the server holds state for ${this.maxTopics} topics, its most; it takes no new ones`,
    );
  }

  /**
   * The topic of a full name, created on first use with its counters and
   * epoch from history; a topic history has nothing of starts a new epoch.
   */
  topic(name: string, kind: NameKind): Topic {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      const latest = this.store.latest(name);
      // Moves from the store's count to the hub's, or is new.
      if (latest !== undefined && this.storeCounted) this.storeOnly--;
      if (kind === "channel") this.channelTopics++;
      const inbox = kind === "id" && !this.known.has(name);
      topic =
        latest === undefined
          ? new Topic(name, kind, newEpoch(), 0, 0, inbox)
          : new Topic(name, kind, latest.epoch, latest.seq, latest.at, inbox);
      if (kind === "channel") topic.onMembers = this.channels.subscribers;
      this.topics.set(name, topic);
    }
    return topic;
  }

  /**
   * A connection of `own`'s ID joined it (the ID's own topic). When that
   * makes two, the one that was alone so far has its subscriptions counted
   * by connection from now on (topic.ts).
   */
  sharedBy(own: Topic, connection: Connection): void {
    connection.own = own;
    own.subscribers.add(connection);
    if (own.subscribers.size !== 2) return;
    own.subscribers.each((other) => {
      if (other === connection) return;
      for (const { topic } of other.lists) {
        if (topic.kind === "channel") topic.countByConnection(own.name);
      }
    });
  }

  /** An ID identified: its own topic, whose inbox becomes ordinary history. */
  identified(id: string): Topic {
    this.known.add(id);
    // DMs still being stored go to the inbox they were sent to, then it is claimed.
    if ((this.topics.get(id)?.staged ?? 0) > 0) this.settle();
    const topic = this.topic(id, "id");
    topic.inbox = false;
    this.store.claim?.(id);
    return topic;
  }

  /**
   * Stamps, encodes, stores and delivers one event. With a `sender` (a
   * `message`), its `sent` reply goes out before any subscriber gets the
   * event; a store failure is then its `internal` error. A join or leave
   * that cannot be stored is logged and not published.
   *
   * @throws ScalarError `too_large`, or `internal` for a sender when the
   *   store fails at once; nothing is published then.
   */
  publish(
    topic: Topic,
    event: Omit<EventFields, "topic" | "seq" | "at">,
    sender?: Connection,
    ref?: Ref,
  ): void {
    const now = this.now();
    const at = now > topic.at ? now : topic.at;
    const seq = topic.seq + 1;
    const fields = event as EventFields;
    fields.topic = topic.name;
    fields.seq = seq;
    fields.at = at;
    const { buffer, start, end } = encodeEventFrame(fields);
    this.turn.made += end - start;
    const payload = buffer.subarray(start + 2, end);
    try {
      this.store.append(topic, seq, at, event.kind === "message", payload);
    } catch (error) {
      this.storeFailed(error, topic.name, 1);
      if (sender !== undefined) throw notStored(topic.name);
      return;
    }
    if (this.batching) {
      this.staged.push({
        topic,
        buffer,
        start,
        end,
        seqBefore: topic.seq,
        atBefore: topic.at,
        sender,
        sent: sender === undefined ? undefined : encodeSentFrame(topic.name, seq, at, ref),
        ref,
      });
      topic.seq = seq;
      topic.at = at;
      topic.staged++;
      if (sender !== undefined) sender.unsettled++;
      if (!this.settleScheduled) {
        this.settleScheduled = true;
        setImmediate(this.settleLater);
      }
      return;
    }
    topic.seq = seq;
    topic.delivered = seq;
    topic.at = at;
    this.published++;
    sender?.send(encodeSentFrame(topic.name, seq, at, ref));
    topic.subscribers.send(buffer, start, end);
  }

  /**
   * Stores the staged events and publishes them, in the order they were
   * made; on a failed write rolls them all back. A no-op without a batching
   * store, or when called again from inside (a delivery that closes a
   * connection).
   */
  settle(): void {
    if (!this.batching || this.settling) return;
    this.settling = true;
    const batch = this.staged;
    this.staged = [];
    try {
      try {
        this.store.commit!();
      } catch (error) {
        this.rollBack(batch, error);
        return;
      }
      for (const e of batch) {
        e.topic.staged--;
        e.topic.delivered = e.seqBefore + 1;
        this.published++;
        if (e.sender !== undefined) {
          e.sender.unsettled--;
          e.sender.send(e.sent!);
        }
        e.topic.subscribers.send(e.buffer, e.start, e.end);
      }
      for (const e of batch) this.release(e.topic);
    } finally {
      this.settling = false;
    }
  }

  private rollBack(batch: Staged[], error: unknown): void {
    this.storeFailed(error, batch[0]?.topic.name, batch.length);
    for (let i = batch.length - 1; i >= 0; i--) {
      const e = batch[i]!;
      e.topic.seq = e.seqBefore;
      e.topic.at = e.atBefore;
      e.topic.staged--;
    }
    for (const e of batch) {
      if (e.sender !== undefined) {
        e.sender.unsettled--;
        const failure = notStored(e.topic.name);
        failure.re = "message";
        failure.ref = e.ref;
        e.sender.fail(failure);
      }
      this.release(e.topic);
    }
  }

  private storeFailed(error: unknown, topic: string | undefined, events: number): void {
    this.log.log("error", "history_write_failed", { topic, events, error: String(error) });
  }

  /**
   * Forgets a topic nobody receives and with nothing waiting to be stored;
   * what history retains keeps its counters and epoch.
   */
  release(topic: Topic): void {
    if (topic.subscribers.size === 0 && topic.memberCount === 0 && topic.staged === 0) {
      if (!this.topics.delete(topic.name)) return;
      if (topic.kind === "channel") this.channelTopics--;
      // Counted as the store's if it keeps it (idle may let it go at once, and report it).
      if (this.storeCounted && this.store.latest(topic.name) !== undefined) this.storeOnly++;
      if (topic.kind === "channel") this.store.idle?.(topic.name);
    }
  }

  /**
   * Removes a connection from every topic it receives. Publishes `leave`
   * for channels where it was its ID's last connection, unless the server
   * is shutting down.
   */
  detach(connection: Connection, publishLeaves: boolean): void {
    const id = connection.id;
    const { lists } = connection;
    while (lists.length > 0) {
      const { topic } = lists[lists.length - 1]!;
      topic.subscribers.delete(connection);
      if (topic.kind === "channel" && id !== undefined && topic.removeMember(id) && publishLeaves) {
        this.publish(topic, { from: id, kind: "leave" });
      }
      this.release(topic);
    }
    connection.channelCount = 0;
  }
}

function notStored(topic: string): ScalarError {
  return new ScalarError(
    "internal",
    `${topic}: the event could not be stored, so it was not published`,
  );
}
