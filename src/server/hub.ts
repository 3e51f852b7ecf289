import type { NameKind } from "../protocol/index.ts";
import type { Connection } from "./connection.ts";
import type { HistoryStore } from "./history/store.ts";
import { Topic } from "./topic.ts";
import { type EventFields, encodeEventFrame } from "./wire.ts";

export interface Published {
  seq: number;
  at: number;
}

/**
 * Topics and fan-out. Each event is encoded once into one frame; every
 * subscriber's queue gets that same buffer, and history keeps its payload.
 */
export class Hub {
  readonly topics = new Map<string, Topic>();
  /** Events published since start: the server's measure of load. */
  published = 0;

  constructor(
    private readonly store: HistoryStore,
    private readonly now: () => number,
  ) {}

  /** The topic of a full name, created on first use with its counters from history. */
  topic(name: string, kind: NameKind): Topic {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      const latest = this.store.latest(name);
      topic = new Topic(name, kind, latest?.seq ?? 0, latest?.at ?? 0);
      this.topics.set(name, topic);
    }
    return topic;
  }

  /**
   * Stamps, encodes, stores and delivers one event.
   *
   * @param beforeDelivery runs after the event is stamped and before any
   *   subscriber gets it (the sender's `sent` reply goes first).
   * @throws ScalarError `too_large`; nothing is published then.
   */
  publish(
    topic: Topic,
    event: Omit<EventFields, "topic" | "seq" | "at">,
    beforeDelivery?: (published: Published) => void,
  ): Published {
    const now = this.now();
    const at = now > topic.at ? now : topic.at;
    const seq = topic.seq + 1;
    const fields = event as EventFields;
    fields.topic = topic.name;
    fields.seq = seq;
    fields.at = at;
    const { buffer, start, end } = encodeEventFrame(fields);
    topic.seq = seq;
    topic.at = at;
    this.published++;
    this.store.append(
      topic.name,
      seq,
      at,
      event.kind === "message",
      buffer.subarray(start + 2, end),
    );
    const published = { seq, at };
    beforeDelivery?.(published);
    for (const subscriber of topic.subscribers) subscriber.send(buffer, start, end);
    return published;
  }

  /** Forgets a topic that has no subscribers and never had an event. */
  release(topic: Topic): void {
    if (topic.subscribers.size === 0 && topic.seq === 0 && topic.members.size === 0) {
      this.topics.delete(topic.name);
    }
  }

  /**
   * Removes a connection from every topic it receives. Publishes `leave`
   * for channels where it was its ID's last connection, unless the server
   * is shutting down.
   */
  detach(connection: Connection, publishLeaves: boolean): void {
    const id = connection.id;
    for (const topic of connection.channels) {
      topic.subscribers.delete(connection);
      if (id !== undefined && topic.removeMember(id) && publishLeaves) {
        this.publish(topic, { from: id, kind: "leave" });
      }
      this.release(topic);
    }
    connection.channels.clear();
    for (const topic of connection.automatic) {
      topic.subscribers.delete(connection);
      this.release(topic);
    }
    connection.automatic.length = 0;
  }
}
