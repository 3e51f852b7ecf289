/**
 * The `logger` plugin: appends every event of its bot's topics, replayed
 * ones included, as JSON lines, one file per topic per UTC day:
 *
 *   <dir>/<topic>/<YYYY-MM-DD>.jsonl
 *
 * where <topic> is the full topic name with `#` written `%23` and `!`
 * written `%21` (e.g. `logs/%23general@localhost/2026-11-26.jsonl`). Lines:
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
 * The parts, in logger/: line formats (lines.ts), an appended day file that
 * survives failed writes and fsyncs (files.ts), reading a folder back
 * (recover.ts), and the bookkeeping (jsonl-log.ts).
 */
import { z } from "zod";
import { definePlugin, type Plugin } from "../bot/index.ts";
import type { LogFs } from "./logger/files.ts";
import { JsonlLog } from "./logger/jsonl-log.ts";

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
export { type Recovered, recoverPosition } from "./logger/recover.ts";

export const loggerOptions = z
  .object({
    /** Folder of the log files (relative to the configuration file). */
    dir: z.string({ error: "expected a folder path" }).min(1, { error: "expected a folder path" }),
    /** Topics to log; default every configured topic of the bot. */
    topics: z.array(z.string()).optional(),
    /** fsync the lines before the runtime saves its cursors (default true). */
    fsync: z.boolean({ error: "expected true or false" }).default(true),
  })
  .strict();
export type LoggerOptions = z.output<typeof loggerOptions>;

/** The logger plugin writing through `fs` (node:fs unless a test fails it on purpose). */
export function createLogger(io: { fs?: LogFs } = {}): Plugin<LoggerOptions> {
  return definePlugin({
    name: "logger",
    options: loggerOptions,
    setup(bot, options) {
      const log = new JsonlLog(bot.resolve(options.dir), {
        fsync: options.fsync,
        log: bot.log,
        ...(io.fs === undefined ? {} : { fs: io.fs }),
      });
      const only = options.topics;
      const wanted = (ctx: { topic: string; tracked?: boolean }) =>
        only === undefined ? ctx.tracked !== false : only.some((t) => sameTopic(t, ctx.topic));
      bot.on(
        "event",
        (ctx) => {
          if (wanted(ctx)) log.event(ctx);
        },
        { replayed: true, own: true },
      );
      bot.on("gap", (ctx) => {
        if (wanted(ctx)) log.gap(ctx);
      });
      bot.on("reset", (ctx) => {
        if (wanted(ctx)) log.reset(ctx);
      });
      bot.on("status", ({ status }) => {
        if (status.type === "connected") log.reconnected();
      });
      bot.onCheckpoint(() => log.sync());
      bot.onStop(() => log.close());
      bot.log.info(`writing ${bot.topics.join(", ")} to ${log.dir}`);
    },
  });
}

export default createLogger();

/** `#general` matches `#general@localhost`. */
function sameTopic(configured: string, full: string): boolean {
  const c = configured.toLowerCase();
  return c === full || (!c.includes("@") && full.startsWith(`${c}@`));
}
