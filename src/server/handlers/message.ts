import { type MessageRequest, type Ref, ScalarError } from "../../protocol/index.ts";
import type { Connection } from "../connection.ts";
import type { ServerContext } from "../context.ts";
import { resolveTopic } from "./names.ts";

export function handleMessage(
  ctx: ServerContext,
  conn: Connection,
  request: MessageRequest,
  ref: Ref | undefined,
): void {
  if (!conn.messageBucket.take()) {
    throw new ScalarError(
      "rate_limited",
      `over ${ctx.options.rate} messages a second; not published`,
    );
  }
  const name = resolveTopic(ctx, request.to);
  const { hub } = ctx;
  if (name.kind === "reserved" && !conn.admin) {
    throw new ScalarError("forbidden", `only admins message ${name.full}`);
  }
  if (name.kind === "channel" && !conn.admin) {
    const held = hub.topics.get(name.full);
    if (held === undefined || !held.subscribers.has(conn)) {
      throw new ScalarError("not_subscribed", `subscribe to ${name.full} to publish there`);
    }
  }
  // An ID topic is a direct message: anyone may send one. To an ID with no
  // state (not connected, nothing kept), past the server's bound on topics: busy.
  hub.admit(name.full);
  const topic = hub.topic(name.full, name.kind);
  try {
    // `sent` goes out before the sender's own copy of the event.
    hub.publish(
      topic,
      {
        from: conn.id!,
        kind: "message",
        body: request.body,
        contentType: request.content_type,
        data: request.data,
      },
      conn,
      ref,
    );
  } finally {
    // A direct message to an ID not connected, or an admin's to an empty
    // channel: nothing keeps the topic but what history retains.
    hub.release(topic);
  }
}
