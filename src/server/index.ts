/**
 * The Scalar v1 server: `startServer` runs one in this process; the
 * `scalar server` command (cli.ts) wraps it.
 */
export {
  hashToken,
  loadTokens,
  makeTokenHash,
  parseTokens,
  type TokenHash,
  type TokenTable,
} from "./auth.ts";
export {
  DEFAULT_RETENTION,
  type PoolLimits,
  type PoolName,
  type RetentionLimits,
  type RetentionOptions,
} from "./history/limits.ts";
export { MemoryHistoryStore } from "./history/memory.ts";
export type { RetentionStats } from "./history/retention.ts";
export { SqliteHistoryStore } from "./history/sqlite.ts";
export {
  type HistoryStore,
  NoHistoryStore,
  type Page,
  type Selection,
  type TopicRef,
  type TopicState,
} from "./history/store.ts";
export {
  type JsonLoggerOptions,
  jsonLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from "./log.ts";
export type { ServerOptions } from "./options.ts";
export { type RunningServer, startServer } from "./server.ts";
