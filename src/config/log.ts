/**
 * The log of a configuration's bots: entries with a level, who speaks (a
 * bot, one of its plugins, the runner, the embedded server) and the error
 * when there is one, written as readable lines or as JSON lines.
 */
import { Database, type Statement } from "bun:sqlite";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  time: Date;
  level: LogLevel;
  /** Who speaks: a bot ID, `runner`, `server`. */
  source: string;
  bot?: string;
  plugin?: string;
  message: string;
  /** The error the entry is about: its stack is shown when verbose. */
  error?: unknown;
}

export type LogSink = (entry: LogEntry) => void;

export interface LogFormat {
  format?: "text" | "json";
  /** Debug entries and the stacks of errors (default false). */
  verbose?: boolean;
}

let clock: Statement<{ time: string }, [number]> | undefined;

/**
 * `HH:MM:SS` of a date in local time, for log lines. SQLite's `localtime`
 * (the C library's, from TZ or /etc/localtime as for JavaScript's dates)
 * rather than `Date`'s local fields: those load ICU's calendars and zones,
 * ~3 MB of an idle bot's resident memory, where SQLite is loaded already.
 */
export function clockTime(date = new Date()): string {
  clock ??= new Database(":memory:").query(
    "SELECT strftime('%H:%M:%S', ?1, 'unixepoch', 'localtime') AS time",
  );
  return clock.get(Math.floor(date.getTime() / 1000))!.time;
}

/** The stack worth showing: what a handler threw rather than the wrapper saying so. */
function stackOf(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && cause.stack !== undefined) return cause.stack;
  return error instanceof Error ? error.stack : undefined;
}

/** The `at …` lines of an error's stack, indented (the message is on a line of its own already). */
export function errorFrames(error: unknown): string[] {
  const stack = stackOf(error);
  if (stack === undefined) return [];
  return stack
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .map((line) => `    ${line.trim()}`);
}

/**
 * `HH:MM:SS source: message`, with `warning: ` or `error: ` before the
 * message of those levels, then the stack's frames (verbose). Undefined
 * for a debug entry when not verbose.
 */
export function textLine(entry: LogEntry, verbose = false): string | undefined {
  if (entry.level === "debug" && !verbose) return undefined;
  const level = entry.level === "warn" ? "warning: " : entry.level === "error" ? "error: " : "";
  const who = entry.plugin === undefined ? entry.source : `${entry.source} ${entry.plugin}`;
  const line = `${clockTime(entry.time)} ${who}: ${level}${entry.message}`;
  return verbose ? [line, ...errorFrames(entry.error)].join("\n") : line;
}

/** One JSON object: time, level, bot and plugin where known, message, stack (verbose). */
export function jsonLine(entry: LogEntry, verbose = false): string | undefined {
  if (entry.level === "debug" && !verbose) return undefined;
  const stack = verbose ? stackOf(entry.error) : undefined;
  return JSON.stringify({
    time: entry.time.toISOString(),
    level: entry.level,
    ...(entry.bot === undefined ? { source: entry.source } : { bot: entry.bot }),
    ...(entry.plugin === undefined ? {} : { plugin: entry.plugin }),
    message: entry.message,
    ...(stack === undefined ? {} : { stack }),
  });
}

/**
 * A sink writing each entry as a line: debug and info to `out`, warnings
 * and errors to `err` (default: `out`).
 */
export function lineSink(
  out: (line: string) => void,
  options: LogFormat & { err?: (line: string) => void } = {},
): LogSink {
  const format = options.format === "json" ? jsonLine : textLine;
  const err = options.err ?? out;
  return (entry) => {
    const line = format(entry, options.verbose ?? false);
    if (line === undefined) return;
    if (entry.level === "warn" || entry.level === "error") err(line);
    else out(line);
  };
}
