/**
 * The `logger` plugin: appends every event of its bot's topics, replayed
 * ones included, as JSON lines, one file per topic per UTC day:
 *
 *   <dir>/<topic>/<YYYY-MM-DD>.jsonl
 *
 * where <topic> is the full topic name (`logs/#general@localhost/2026-11-26.jsonl`;
 * folders of older versions, `%23general@localhost`, are renamed at start).
 * A message whose body starts with `[nolog]` is not written (`nolog: false`
 * writes it). Lines:
 *
 *   {"topic":"#general@localhost","epoch":"k3x9","seq":12,
 *    "at":"2026-11-26T10:00:00.000Z","from":"alice@localhost",
 *    "kind":"message","body":"hi"}                     an event
 *   {"topic":…,"epoch":"k3x9","gap":{"from":5,"to":9}}  seqs history lost
 *   {"topic":…,"reset":{"previousEpoch":"k3x9","epoch":"p7q2","lastSeq":120},
 *    "at":"2026-11-26T10:05:00.000Z"}                   numbering restarted
 *
 * `epoch` (protocol §5 Epochs) is absent from servers without epochs, and
 * in files written before them; `content_type` and `"replayed": true` are
 * added when they apply. After a reset marker the topic counts from seq 1
 * in the new epoch. A line that is not JSON is a torn write: skip it.
 *
 * Exactly once per topic+epoch+seq: a line is written before the handler
 * returns and fsync'ed at the runtime's next checkpoint, before it saves its
 * cursors. At start each topic's newest file is read back for the epoch and
 * seq last logged, so an event replayed after a crash is skipped when it is
 * of the same epoch. A line goes in the file of its day (a gap or reset
 * marker in the topic's newest file), never an older file than the newest,
 * so the newest file's last line is the topic's position.
 *
 * A failed write (a full disk) leaves no torn line, is said once, and makes
 * the next checkpoint fail, so the bot keeps its cursors back and hands the
 * events on again: none is lost or written twice (logger/jsonl-log.ts).
 *
 * The archive's index (src/archive) is kept in the same checkpoint: after
 * the fsync, it takes in each file up to the length made durable, so after
 * a crash it is never ahead of the files; at start it is caught up from
 * them (logger/keeper.ts). `retain: 90d` deletes older day files with
 * their index rows.
 *
 * The parts, in logger/: line formats (lines.ts), an appended day file that
 * survives failed writes and fsyncs (files.ts), reading a folder back
 * (recover.ts), the bookkeeping (jsonl-log.ts), and the index, folder
 * names and retention (keeper.ts).
 *
 * This is the plugin with its options schema, for a bot in code; a bot of
 * a configuration runs logger/plugin.ts, given options checked already.
 */
import { definePlugin, type Plugin } from "../bot/index.ts";
import type { LogFs } from "./logger/files.ts";
import { type LoggerOptions, loggerOptions } from "./logger/options.ts";
import { createLogger as bareLogger } from "./logger/plugin.ts";

export { defaultFs, LogFileError, type LogFileErrorCode, type LogFs } from "./logger/files.ts";
export { JsonlLog, type JsonlLogOptions } from "./logger/jsonl-log.ts";
export {
  type GapLine,
  type LogLine,
  type Position,
  type ResetLine,
  topicFolder,
  utcDay,
} from "./logger/lines.ts";
export { type LoggerOptions, loggerOptions } from "./logger/options.ts";
export { isNolog } from "./logger/plugin.ts";
export { type Recovered, recoverPosition } from "./logger/recover.ts";

/** The logger plugin writing through `fs` (node:fs unless a test fails it on purpose). */
export function createLogger(io: { fs?: LogFs } = {}): Plugin<LoggerOptions> {
  return definePlugin({ ...bareLogger(io), options: loggerOptions });
}

export default createLogger();
