import { isValidDomain, parseId } from "../protocol/index.ts";
import { loadTokens, type TokenTable } from "./auth.ts";
import { type RetentionLimits, type RetentionOptions, resolveRetention } from "./history/limits.ts";
import type { HistoryStore } from "./history/store.ts";
import { jsonLogger, type Logger } from "./log.ts";

/** How to run a server; every field has a default. */
export interface ServerOptions {
  /** Address to listen on (default "127.0.0.1"). */
  host?: string;
  /** TCP port (default 7667; 0 takes a free port). */
  port?: number;
  /** The server's domain: its channels and IDs are `…@domain` (default "localhost"). */
  domain?: string;
  /**
   * Where history is kept: `"memory"` (default; a ring per topic), `"none"`
   * (every backlog says `available: false`), `"sqlite:PATH"` (survives
   * restarts, seq counters included) or a store of your own.
   */
  history?: HistoryStore | "memory" | "none" | `sqlite:${string}`;
  /** Events kept per topic by the built-in stores (default 10000). */
  historyLimit?: number;
  /**
   * How much the built-in stores keep, per topic and in total, for
   * messages, presence and the inboxes of IDs that have not connected
   * (defaults in history/limits.ts and docs/server.md).
   */
  retention?: RetentionOptions;
  /** IDs with admin rights (short or full form). */
  admins?: string[];
  /** Token mode: a tokens file path or an `id -> "sha256:hex"` map (see auth.ts). Absent: open mode. */
  tokens?: string | Map<string, string>;
  /** Messages a second per connection (default 20). */
  rate?: number;
  /** Message burst per connection (default 40). */
  burst?: number;
  /** Other requests a second per connection before `rate_limited` (default max(50, rate)). */
  requestRate?: number;
  /**
   * Burst of other requests (default max(100, burst, 2 × maxSubscriptions + 16)).
   * Never less than 2 × maxSubscriptions + 1, whatever is asked: identify,
   * then a subscribe and a history page for every channel a connection may
   * have, in one burst, must pass (protocol.md §5 Limits).
   */
  requestBurst?: number;
  /** Channel subscriptions per connection (default 100). */
  maxSubscriptions?: number;
  /**
   * Topics the server holds state for, in all (default 25000): channels
   * with a subscriber, and topics of which only history keeps something
   * (a channel's messages, an ID's direct messages). The own topics of
   * connected IDs and the wall do not count. Past it, a subscribe to a new
   * channel, or a message to a topic without state, gets `busy`.
   */
  maxTopics?: number;
  /** Seconds of silence before the server pings (default 30). */
  pingInterval?: number;
  /** Seconds to wait for the `pong` (default 10). */
  pingTimeout?: number;
  /** Seconds from connecting to `identify`, and to finish a half-sent frame (default 10). */
  identifyTimeout?: number;
  /** Unsent bytes a connection may have before `slow_consumer` (default 8 MiB). */
  maxOutboundBytes?: number;
  /**
   * Unsent output of all connections together before the ones holding the
   * most get `slow_consumer` (default 32 MiB); a quarter of it is what one
   * turn of the event loop may make before requests wait for the flush.
   */
  outputBudgetBytes?: number;
  /**
   * Input the server holds for all connections together — the buffers of
   * half-sent frames and requests read but held back — before the ones
   * holding the most get `busy` (default 32 MiB).
   */
  inputBudgetBytes?: number;
  /** Open connections before new ones get `busy` (default 10000). */
  maxConnections?: number;
  /**
   * Open connections from one address before its new ones get `busy`
   * (default 1024; IPv6 addresses count by their /64).
   */
  maxConnectionsPerAddress?: number;
  /** Message of the day, sent in `welcome`. */
  motd?: string;
  /** Structured logger (default: JSON lines on stderr, info and above). */
  log?: Logger;
  /** Millisecond clock (default Date.now); injectable for tests. */
  now?: () => number;
}

/** Options with defaults applied and values checked. */
export interface ResolvedOptions {
  host: string;
  port: number;
  domain: string;
  history: ServerOptions["history"] & {};
  historyLimit: number;
  retention: RetentionLimits;
  admins: Set<string>;
  tokens: TokenTable | undefined;
  rate: number;
  burst: number;
  requestRate: number;
  requestBurst: number;
  maxSubscriptions: number;
  maxTopics: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  identifyTimeoutMs: number;
  maxOutboundBytes: number;
  outputBudgetBytes: number;
  inputBudgetBytes: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  motd: string | undefined;
  log: Logger;
  now: () => number;
}

/**
 * Requests the default request burst allows besides identify and a
 * subscribe and a history page per channel: a few pings, unsubscribes,
 * `topics` pages.
 */
const REQUEST_SLACK = 16;

const MiB = 1024 * 1024;

/** Topics with state, in all, by default: up to 2 KiB each (docs/server.md, Memory). */
export const DEFAULT_MAX_TOPICS = 25_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number`);
  return v;
}

export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const domain = (options.domain ?? "localhost").toLowerCase();
  if (!isValidDomain(domain))
    throw new RangeError(`domain ${JSON.stringify(domain)} is not a hostname`);
  const port = options.port ?? 7667;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError("port must be an integer in 0..65535");
  }
  const rate = positive("rate", options.rate, 20);
  const burst = positive("burst", options.burst, 40);
  const maxSubscriptions = Math.floor(positive("maxSubscriptions", options.maxSubscriptions, 100));
  // Never below what the contract's reconnect burst needs, even if asked.
  const requestBurst = Math.max(
    positive(
      "requestBurst",
      options.requestBurst,
      Math.max(100, burst, 2 * maxSubscriptions + REQUEST_SLACK),
    ),
    2 * maxSubscriptions + 1,
  );
  return {
    host: options.host ?? "127.0.0.1",
    port,
    domain,
    history: options.history ?? "memory",
    historyLimit: Math.floor(positive("historyLimit", options.historyLimit, 10_000)),
    retention: resolveRetention(options.retention, options.historyLimit),
    admins: new Set((options.admins ?? []).map((id) => parseId(id, domain).full)),
    tokens: options.tokens === undefined ? undefined : loadTokens(options.tokens, domain),
    rate,
    burst,
    requestRate: positive("requestRate", options.requestRate, Math.max(50, rate)),
    requestBurst,
    maxSubscriptions,
    maxTopics: Math.floor(positive("maxTopics", options.maxTopics, DEFAULT_MAX_TOPICS)),
    pingIntervalMs: positive("pingInterval", options.pingInterval, 30) * 1000,
    pingTimeoutMs: positive("pingTimeout", options.pingTimeout, 10) * 1000,
    identifyTimeoutMs: positive("identifyTimeout", options.identifyTimeout, 10) * 1000,
    maxOutboundBytes: positive("maxOutboundBytes", options.maxOutboundBytes, 8 * MiB),
    outputBudgetBytes: positive("outputBudgetBytes", options.outputBudgetBytes, 32 * MiB),
    inputBudgetBytes: positive("inputBudgetBytes", options.inputBudgetBytes, 32 * MiB),
    maxConnections: Math.floor(positive("maxConnections", options.maxConnections, 10_000)),
    maxConnectionsPerAddress: Math.floor(
      positive("maxConnectionsPerAddress", options.maxConnectionsPerAddress, 1024),
    ),
    motd: options.motd,
    log: options.log ?? jsonLogger(),
    now: options.now ?? Date.now,
  };
}
