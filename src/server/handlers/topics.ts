import {
  cborHeadSize,
  encodeMessageFrame,
  MAX_PAYLOAD,
  type Ref,
  ScalarError,
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
/** A filter no list is kept for costs one request token more per this many channels scanned. */
const SCAN_PER_TOKEN = 10_000;

/**
 * Lists channels that have a subscriber or retained `message` events, sorted
 * by name, from the hub's channel directory; `subscribers` counts distinct
 * IDs. A page stops at `limit` or when the next entry would not fit the
 * frame.
 *
 * Its cost against the request bucket weighs with what it makes the server
 * do: one token per 100 names of `limit` (the first taken before any
 * request runs), and for a filter that must scan the whole directory, one
 * more per 10,000 channels.
 */
export function handleTopics(
  ctx: ServerContext,
  conn: Connection,
  request: TopicsRequest,
  ref: Ref | undefined,
): void {
  const directory = ctx.hub.channels;
  const offset = request.offset ?? 0;
  const limit = Math.min(request.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  const filter = request.filter?.toLowerCase() || undefined;
  let cost = Math.ceil(limit / DEFAULT_LIMIT) - 1;
  if (filter !== undefined && directory.cached(filter) === undefined) {
    cost += Math.ceil(directory.size / SCAN_PER_TOKEN);
  }
  if (cost > 0 && !conn.requestBucket.take(cost)) {
    throw new ScalarError(
      "rate_limited",
      `topics: a page of ${limit} costs ${cost + 1} requests; slow down`,
    );
  }
  let total: number;
  let names: string[];
  if (filter === undefined) {
    total = directory.size;
    names = directory.page(offset, limit);
  } else {
    const matching = directory.matching(filter);
    total = matching.length;
    names = matching.slice(offset, offset + limit);
  }
  const topics: TopicInfo[] = [];
  let budget = MAX_PAYLOAD - ENVELOPE_BYTES;
  for (const topic of names) {
    const subscribers = ctx.hub.topics.get(topic)?.memberCount ?? 0;
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
        ? { type: "topic_list", total, offset, topics }
        : { type: "topic_list", total, offset, topics, ref },
    ),
  );
}
