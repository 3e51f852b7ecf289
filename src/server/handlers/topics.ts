import {
  cborHeadSize,
  encodeMessageFrame,
  MAX_PAYLOAD,
  type Ref,
  type TopicInfo,
  type TopicsRequest,
  utf8Length,
} from "../../protocol/index.ts";
import type { Connection } from "../connection.ts";
import type { ServerContext } from "../context.ts";

/** Names a page holds when the request gives no `limit`, and at most. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Room for everything but the entries: type, total, offset, ref (≤ 64 bytes), heads. */
const ENVELOPE_BYTES = 200;

/**
 * Lists channels that have a subscriber or retained `message` events, sorted
 * by name; `subscribers` counts distinct IDs. A page stops at `limit` or
 * when the next entry would not fit the frame.
 */
export function handleTopics(
  ctx: ServerContext,
  conn: Connection,
  request: TopicsRequest,
  ref: Ref | undefined,
): void {
  const { hub, store } = ctx;
  const names = new Set<string>();
  for (const topic of hub.topics.values()) {
    if (topic.kind === "channel" && topic.members.size > 0) names.add(topic.name);
  }
  for (const name of store.channelsWithMessages()) names.add(name);
  const filter = request.filter?.toLowerCase();
  const matching = [...names].filter((name) => filter === undefined || name.includes(filter));
  matching.sort();
  const offset = request.offset ?? 0;
  const limit = Math.min(request.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  const topics: TopicInfo[] = [];
  let budget = MAX_PAYLOAD - ENVELOPE_BYTES;
  for (let i = offset; i < matching.length && topics.length < limit; i++) {
    const topic = matching[i]!;
    const subscribers = hub.topics.get(topic)?.members.size ?? 0;
    const length = utf8Length(topic);
    // {"topic": name, "subscribers": n}
    const size = 1 + 6 + cborHeadSize(length) + length + 12 + cborHeadSize(subscribers);
    if (size > budget) break;
    budget -= size;
    topics.push({ topic, subscribers });
  }
  conn.send(
    encodeMessageFrame(
      ref === undefined
        ? { type: "topic_list", total: matching.length, offset, topics }
        : { type: "topic_list", total: matching.length, offset, topics, ref },
    ),
  );
}
