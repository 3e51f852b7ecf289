/**
 * `scalarbot/client`: a plain Scalar client. One live connection to any
 * Scalar server — transports (TCP, in-memory), requests matched to replies
 * with deadlines, keepalive, backoff and reconnect, per-topic catch-up with
 * cursors and epochs, paced requests, outbound splitting, status events.
 * It knows nothing of bots or plugins; `scalar tail` and `scalar send` use
 * it, and so does every bot.
 *
 * @example
 * ```ts
 * import { Client, tcpDialer } from "scalarbot/client";
 * const client = new Client({
 *   id: "reader", topics: ["#general"], dialer: tcpDialer("127.0.0.1", 7667),
 *   onItem: (topic, item) => { if (item.type === "event") console.log(topic, item.event.body); },
 * });
 * client.start();
 * ```
 */
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
export { type SyncItem, TopicSync } from "./catch-up.ts";
export { Client, type ClientOptions, DEFAULT_RECONNECT, type ReconnectOptions } from "./client.ts";
export { type Clock, ManualClock, sleep, systemClock } from "./clock.ts";
export { Connection, type ConnectionOptions, type ReplyTo } from "./connection.ts";
export {
  type Cursor,
  type CursorStore,
  MemoryCursorStore,
  SqliteCursorStore,
} from "./cursor-store.ts";
export {
  ConnectError,
  ConnectionClosedError,
  describeCause,
  RequestError,
  RuntimeError,
  SubscribeError,
} from "./errors.ts";
export type { KeepaliveOptions } from "./keepalive.ts";
export { MemoryNetwork } from "./memory-transport.ts";
export { MAX_BODY_BYTES, splitText } from "./split-text.ts";
export { describeStatus, type Status, type StatusType } from "./status.ts";
export { tcpDialer } from "./tcp-transport.ts";
export type { Dialer, Transport, TransportEvents } from "./transport.ts";
