import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import type { SyncItem } from "./catch-up.ts";
import type { Clock } from "./clock.ts";
import type { CursorStore } from "./cursor-store.ts";
import type { KeepaliveOptions } from "./keepalive.ts";
import type { Status } from "./status.ts";
import type { Dialer } from "./transport.ts";

export interface ClientOptions {
  id: string;
  token?: string;
  /** Topics to subscribe to and keep gap-free, as configured (`#general`). */
  topics: readonly string[];
  dialer: Dialer;
  /** `host:port` for status lines before the first connection. */
  address?: string;
  /** Where each topic's cursor was read from at start (the dispatcher saves them). */
  cursors?: Pick<CursorStore, "read">;
  /** On a first start (no cursor): how many past events to replay; 0 starts live. */
  backlog?: number;
  reconnect?: Partial<ReconnectOptions>;
  /** Our pings to detect a dead link; off when undefined. */
  keepalive?: KeepaliveOptions;
  /** How long a request may wait for its reply before the link counts as broken (ms, default 20 s). */
  requestTimeout?: number;
  /** Events a `history` page may return (the server may cap it lower). */
  historyPage?: number;
  /** Live events one topic may buffer while it catches up (default 10,000). */
  maxBuffered?: number;
  clock?: Clock;
  random?: () => number;
  agent?: string;
  maxBodyBytes?: number;
  /**
   * Everything to dispatch, in order per topic: items of the configured
   * topics (`tracked`), and live events of the bot's own ID topic and the
   * wall (not tracked: no cursor).
   */
  onItem?(topic: string, item: SyncItem, tracked: boolean): void;
  /** Every status change, and `reset` notices. */
  onStatus?(status: Status): void;
  /** Problems the client recovers from (a refused topic, a failed catch-up). */
  onError?(error: Error): void;
}

export interface ReconnectOptions extends BackoffOptions {
  /**
   * How long (ms) a connection must have lasted, welcomed, before its end
   * starts the backoff from the beginning again. A server that welcomes and
   * then drops the link at once is not redialled at the first delay for ever.
   */
  healthyAfter: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { ...DEFAULT_BACKOFF, healthyAfter: 10_000 };
