import { MAX_PAYLOAD } from "../../protocol/index.ts";

/**
 * How much history a server keeps. Events are kept in three pools, each
 * bounded per topic and in total (across every topic of the pool); past a
 * bound the oldest events go first.
 *
 * - `messages`: `message` events of channels, the wall, and IDs that have
 *   connected.
 * - `presence`: `join`/`leave` events, apart from messages so that churn
 *   evicts only presence.
 * - `inbox`: direct messages to an ID that has not connected (see
 *   docs/server.md): a small bound per ID and in total, so that messages to
 *   ever-new IDs cannot fill the server.
 */
export interface PoolLimits {
  /** Events kept per topic. */
  topicEvents: number;
  /** Payload bytes kept per topic. */
  topicBytes: number;
  /** Events kept across all topics of the pool. */
  totalEvents: number;
  /** Payload bytes kept across all topics of the pool. */
  totalBytes: number;
}

export type PoolName = "messages" | "presence" | "inbox";

export type RetentionLimits = Record<PoolName, PoolLimits>;

/** What `retention` in ServerOptions accepts: any bound may be left out. */
export type RetentionOptions = { [P in PoolName]?: Partial<PoolLimits> };

const MiB = 1024 * 1024;

export const DEFAULT_RETENTION: RetentionLimits = {
  messages: {
    topicEvents: 10_000,
    topicBytes: 16 * MiB,
    totalEvents: 150_000,
    totalBytes: 32 * MiB,
  },
  presence: {
    topicEvents: 1_000,
    topicBytes: 256 * 1024,
    totalEvents: 20_000,
    totalBytes: 4 * MiB,
  },
  inbox: { topicEvents: 100, topicBytes: 1 * MiB, totalEvents: 5_000, totalBytes: 16 * MiB },
};

/**
 * Fills in defaults and checks every bound: a positive integer, and byte
 * bounds large enough for the largest event (so the newest event is always
 * kept). `historyLimit` is the older name of `messages.topicEvents`.
 */
export function resolveRetention(
  options: RetentionOptions = {},
  historyLimit?: number,
): RetentionLimits {
  const resolved = {} as RetentionLimits;
  for (const pool of Object.keys(DEFAULT_RETENTION) as PoolName[]) {
    const given: Partial<PoolLimits> = { ...options[pool] };
    if (pool === "messages" && given.topicEvents === undefined && historyLimit !== undefined) {
      given.topicEvents = historyLimit;
    }
    const limits = { ...DEFAULT_RETENTION[pool] };
    for (const key of Object.keys(limits) as (keyof PoolLimits)[]) {
      const value = given[key] ?? limits[key];
      const least = key.endsWith("Bytes") ? MAX_PAYLOAD : 1;
      if (!Number.isSafeInteger(value) || value < least) {
        throw new RangeError(`retention.${pool}.${key} must be an integer of at least ${least}`);
      }
      limits[key] = value;
    }
    resolved[pool] = limits;
  }
  return resolved;
}
