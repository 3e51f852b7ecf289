import type { Lane } from "./lane.ts";
import { type RetentionOptions, resolveRetention } from "./limits.ts";
import { Retention, type RetentionStats } from "./retention.ts";
import {
  fillPage,
  type HistoryStore,
  type Page,
  type Selection,
  type TopicRef,
  type TopicState,
} from "./store.ts";

/**
 * History in memory, within the bounds of `retention` (limits.ts: per topic
 * and in total, messages, presence and inboxes apart). Nothing survives a
 * restart: every start is a new epoch for every topic.
 *
 * @example
 * const store = new MemoryHistoryStore({ messages: { topicEvents: 1000 } });
 * await startServer({ history: store });
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly retention: Retention;

  constructor(retention?: RetentionOptions) {
    this.retention = new Retention(resolveRetention(retention), true);
  }

  keeps(): boolean {
    return true;
  }

  append(topic: TopicRef, seq: number, at: number, message: boolean, payload: Uint8Array): void {
    this.retention.append(topic.name, topic.epoch, topic.inbox, seq, at, message, payload);
  }

  idle(topic: string): void {
    this.retention.idle(topic);
  }

  claim(topic: string): void {
    this.retention.claim(topic);
  }

  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page {
    const log = this.retention.topics.get(topic);
    if (log === undefined) return { events: [], more: false };
    return selectMerged(log.messages, log.presence, selection, limit, byteBudget);
  }

  latest(topic: string): TopicState | undefined {
    const log = this.retention.topics.get(topic);
    return log === undefined ? undefined : { seq: log.seq, at: log.at, epoch: log.epoch };
  }

  channelsWithMessages(): Iterable<string> {
    return this.retention.channels;
  }

  watchChannels(listener: (channel: string, hasMessages: boolean) => void): void {
    this.retention.onChannel = listener;
  }

  watchTopics(listener: (topic: string) => void): number {
    this.retention.onRelease = listener;
    return this.retention.topics.size;
  }

  /** What is retained now: topics, and events and payload bytes per pool. */
  stats(): RetentionStats {
    return this.retention.stats();
  }

  close(): void {}
}

/** A page of the events of two lanes (messages and presence), merged by seq. */
function selectMerged(
  a: Lane | undefined,
  b: Lane | undefined,
  selection: Selection,
  limit: number,
  byteBudget: number,
): Page {
  const countA = a?.count ?? 0;
  const countB = b?.count ?? 0;
  let i: number;
  let j: number;
  if ("after" in selection) {
    i = a?.lowerBound(selection.after + 1, false) ?? 0;
    j = b?.lowerBound(selection.after + 1, false) ?? 0;
  } else if ("since" in selection) {
    i = a?.lowerBound(selection.since, true) ?? 0;
    j = b?.lowerBound(selection.since, true) ?? 0;
  } else if (selection.last >= countA + countB) {
    i = 0;
    j = 0;
  } else {
    // The newest `last` events: step back from both ends, newer first.
    i = countA;
    j = countB;
    for (let k = 0; k < selection.last; k++) {
      if (j === 0 || (i > 0 && a!.seqAt(i - 1) > b!.seqAt(j - 1))) i--;
      else j--;
    }
  }
  const next = (): Uint8Array | undefined => {
    if (i < countA && (j >= countB || a!.seqAt(i) < b!.seqAt(j))) return a!.payloadAt(i++);
    if (j < countB) return b!.payloadAt(j++);
    return undefined;
  };
  return fillPage(next, countA - i + (countB - j), limit, byteBudget);
}
