/**
 * The archive: what the logger plugin writes, read back. JSON-lines day
 * files per topic are the record (format.ts, files.ts, names.ts); an
 * SQLite index beside them (index-db.ts, indexer.ts) kept by the logger at
 * its checkpoints gives word and substring search (query.ts, match.ts),
 * counts and lookups; the reader (reader.ts) answers from both, and from
 * the files alone for an archive without an index. Also: listing and
 * following lines (list.ts, follow.ts), text output (text.ts), times
 * (time.ts), topic and sender tags of the word index (tags.ts), retention
 * (retention.ts), folder migration (migrate.ts), and
 * the web viewer in web/ (`createArchiveApp`: `scalar logs serve` runs it
 * on its own server, a logger with `web: true` mounts it on the `http:`
 * listener).
 *
 * This index is what the logger plugin imports; nothing here imports the
 * bot layer.
 */
export { ArchiveError, type ArchiveErrorCode } from "./errors.ts";
export {
  ArchiveDir,
  type DayFile,
  type RawLine,
  type ReadLine,
  readLines,
  scanLines,
} from "./files.ts";
export { Follower, type FollowOptions } from "./follow.ts";
export {
  type ArchiveLine,
  DAY_FILE,
  type EventLine,
  type GapLine,
  isEvent,
  isGap,
  isReset,
  KINDS,
  lineAddress,
  parseAddress,
  parseLine,
  type ResetLine,
  utcDay,
} from "./format.ts";
export { INDEX_FOLDER, indexPath } from "./index-db.ts";
export { ArchiveIndexer } from "./indexer.ts";
export {
  type Entry,
  entries,
  entryPasses,
  keepsMarkers,
  type ListParams,
  listEntries,
} from "./list.ts";
export { parseQuery, type Query } from "./match.ts";
export { type Migrated, migrateFolders } from "./migrate.ts";
export {
  folderTopic,
  legacyTopicFolder,
  shortSender,
  shortTopic,
  topicFolder,
  topicMatches,
} from "./names.ts";
export { type Hit, type Page, type SearchParams, type Sort, search } from "./query.ts";
export { Archive, type TopicSummary } from "./reader.ts";
export { prune } from "./retention.ts";
export { textLine } from "./text.ts";
export { parseDuration, parseTime } from "./time.ts";
export { type ArchiveApp, type ArchiveAppOptions, createArchiveApp } from "./web/app.ts";
export { otherWriters, registerWriter } from "./writers.ts";
