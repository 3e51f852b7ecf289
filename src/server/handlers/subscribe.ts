import {
  type Ref,
  ScalarError,
  type SubscribeRequest,
  type UnsubscribeRequest,
} from "../../protocol/index.ts";
import type { Connection } from "../connection.ts";
import type { ServerContext } from "../context.ts";
import type { Topic } from "../topic.ts";
import { resolveTopic } from "./names.ts";

/**
 * `seq` is the latest event published: events a batching store has not
 * written yet are left out, as they reach the new subscriber live once
 * written (or never, if the write fails).
 */
function subscribed(topic: Topic, conn: Connection, ref: Ref | undefined): void {
  const { name, delivered, epoch } = topic;
  conn.reply({ type: "subscribed", topic: name, seq: delivered, epoch }, ref);
}

export function handleSubscribe(
  ctx: ServerContext,
  conn: Connection,
  request: SubscribeRequest,
  ref: Ref | undefined,
): void {
  const name = resolveTopic(ctx, request.topic);
  const { hub } = ctx;
  if (name.kind !== "channel") {
    // The own ID topic and the wall are automatic: subscribing again just replies.
    if (name.kind === "id" && name.full !== conn.id) {
      throw new ScalarError("forbidden", `${name.full} is another ID's topic`);
    }
    subscribed(hub.topic(name.full, name.kind), conn, ref);
    return;
  }
  const held = hub.topics.get(name.full);
  if (held?.subscribers.has(conn)) {
    subscribed(held, conn, ref);
    return;
  }
  if (conn.channelCount >= ctx.options.maxSubscriptions) {
    throw new ScalarError(
      "too_many_subscriptions",
      `at most ${ctx.options.maxSubscriptions} subscriptions`,
    );
  }
  // A new channel past the server's bound on topics: busy.
  hub.admit(name.full);
  const topic = hub.topic(name.full, "channel");
  // The reply is queued before the join (and any later event) can be.
  conn.channelCount++;
  topic.subscribers.add(conn);
  subscribed(topic, conn, ref);
  // Other connections of its ID: the automatic subscribers of its own topic.
  const shared = (conn.own?.subscribers.size ?? 1) > 1;
  if (topic.addMember(conn.id!, shared)) hub.publish(topic, { from: conn.id!, kind: "join" });
}

export function handleUnsubscribe(
  ctx: ServerContext,
  conn: Connection,
  request: UnsubscribeRequest,
  ref: Ref | undefined,
): void {
  const name = resolveTopic(ctx, request.topic);
  if (name.kind !== "channel") {
    const why =
      name.kind === "id" && name.full !== conn.id
        ? `${name.full} is another ID's topic`
        : `${name.full} is an automatic subscription`;
    throw new ScalarError("forbidden", why);
  }
  const { hub } = ctx;
  const topic = hub.topics.get(name.full);
  if (topic === undefined || !topic.subscribers.has(conn)) {
    conn.reply({ type: "unsubscribed", topic: name.full }, ref);
    return;
  }
  // Events made while it was subscribed reach it before it goes.
  if (topic.staged > 0) hub.settle();
  conn.channelCount--;
  topic.subscribers.delete(conn);
  conn.reply({ type: "unsubscribed", topic: name.full }, ref);
  if (topic.removeMember(conn.id!)) hub.publish(topic, { from: conn.id!, kind: "leave" });
  hub.release(topic);
}
