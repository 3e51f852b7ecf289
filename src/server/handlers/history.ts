import {
  encodeWithRawArray,
  frameOf,
  type HistoryRequest,
  MAX_PAYLOAD,
  type Outgoing,
  type Ref,
  ScalarError,
} from "../../protocol/index.ts";
import type { Connection } from "../connection.ts";
import type { ServerContext } from "../context.ts";
import type { Selection } from "../history/store.ts";
import { resolveTopic } from "./names.ts";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** The events array head may grow from 1 to 3 bytes once it holds events. */
const ARRAY_HEAD_GROWTH = 2;

/**
 * Answers with the first page of a selection. Stored payloads are spliced
 * into the `backlog` verbatim, so history returns the bytes that were pushed.
 */
export function handleHistory(
  ctx: ServerContext,
  conn: Connection,
  request: HistoryRequest,
  ref: Ref | undefined,
): void {
  const name = resolveTopic(ctx, request.topic);
  if (name.kind === "id" && name.full !== conn.id) {
    throw new ScalarError("forbidden", `only ${name.full} reads its history`);
  }
  const { store, hub } = ctx;
  if (!store.keeps(name.full)) {
    const message: Outgoing = { type: "backlog", topic: name.full, available: false, more: false };
    if (ref !== undefined) message.ref = ref;
    conn.send(frameOf(encodeWithRawArray(message, "events", [])));
    return;
  }
  // The epoch the stored events count in: the topic's, which a topic not
  // known yet gets now (and keeps if it is subscribed to before it is let go).
  const topic = hub.topic(name.full, name.kind);
  const { epoch } = topic;
  hub.release(topic);
  const message: Outgoing = {
    type: "backlog",
    topic: name.full,
    available: true,
    epoch,
    more: false,
  };
  if (ref !== undefined) message.ref = ref;
  const envelope = encodeWithRawArray(message, "events", []).length + ARRAY_HEAD_GROWTH;
  const limit = Math.min(request.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  const page = store.select(name.full, selectionOf(request), limit, MAX_PAYLOAD - envelope);
  message.more = page.more;
  conn.send(frameOf(encodeWithRawArray(message, "events", page.events)));
}

function selectionOf(request: HistoryRequest): Selection {
  if ("after" in request) return { after: request.after };
  if ("last" in request) return { last: request.last };
  // `at` is whole milliseconds; allow for float error in seconds * 1000.
  return { since: Math.ceil(request.since.seconds * 1000 - 0.001) };
}
