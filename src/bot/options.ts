import type { ClientOptions, ReconnectOptions } from "../client/client.ts";
import type { Clock } from "../client/clock.ts";
import type { CursorStore } from "../client/cursor-store.ts";
import type { KeepaliveOptions } from "../client/keepalive.ts";
import type { Dialer } from "../client/transport.ts";
import type { Log } from "./api.ts";
import type { StoreFactory } from "./store.ts";

export interface BotOptions {
  id: string;
  token?: string;
  /** Topics to subscribe to and keep a cursor for, as configured (`#general`). */
  topics: readonly string[];
  dialer: Dialer;
  /** `host:port` for status lines before the first connection. */
  address?: string;
  cursors: CursorStore;
  /** On a first start (no cursor): how many past events to replay; 0 starts live. */
  backlog?: number;
  /** Dispatch the bot's own messages to handlers that did not say (default false). */
  ownMessages?: boolean;
  reconnect?: Partial<ReconnectOptions>;
  /** Our pings to detect a dead link; off when undefined. */
  keepalive?: KeepaliveOptions;
  /** How long a request may wait for its reply before the link counts as broken (ms, default 20 s). */
  requestTimeout?: number;
  /** Events a `history` page may return (the server may cap it lower). */
  historyPage?: number;
  /** Live events one topic may buffer while it catches up (default 10,000). */
  maxBuffered?: number;
  /** A handler running longer than this (ms) is warned about (default 10 s). */
  slowHandlerAfter?: number;
  /** How long `stop` waits for running handlers before it abandons them (ms, default 10 s). */
  stopTimeout?: number;
  /**
   * Least time between two checkpoints, when cursors are saved (ms, default
   * 100): a crash hands on again at most what was handled in that time.
   */
  checkpointInterval?: number;
  clock?: Clock;
  random?: () => number;
  log?: Log;
  agent?: string;
  maxBodyBytes?: number;
  /** Folder that relative plugin paths resolve against (the configuration's). */
  baseDir?: string;
  /**
   * Time for plugins: `every` schedules and command cooldowns (default the
   * system clock). A test harness passes a `ManualClock` and moves it.
   */
  pluginClock?: Clock;
  /** IDs with admin rights over the bot's commands (`alice` or `alice@localhost`). */
  admins?: readonly string[];
  /** The text that starts a command (default `!`). */
  commandPrefix?: string;
  /**
   * Plugin stores by plugin name. Default: a table in the cursors' database
   * when it is a `SqliteCursorStore`, else in memory.
   */
  stores?: StoreFactory;
}

/** The client part of a bot's options (its callbacks and clock are the bot's). */
export function clientOptions(
  options: BotOptions,
): Omit<ClientOptions, "onItem" | "onStatus" | "onError" | "clock"> {
  const { reconnect, keepalive, requestTimeout, historyPage, maxBuffered } = options;
  const { token, address, random, agent, maxBodyBytes } = options;
  return {
    id: options.id,
    topics: options.topics,
    dialer: options.dialer,
    cursors: options.cursors,
    backlog: options.backlog ?? 0,
    ...(token === undefined ? {} : { token }),
    ...(address === undefined ? {} : { address }),
    ...(reconnect === undefined ? {} : { reconnect }),
    ...(keepalive === undefined ? {} : { keepalive }),
    ...(requestTimeout === undefined ? {} : { requestTimeout }),
    ...(historyPage === undefined ? {} : { historyPage }),
    ...(maxBuffered === undefined ? {} : { maxBuffered }),
    ...(random === undefined ? {} : { random }),
    ...(agent === undefined ? {} : { agent }),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  };
}
