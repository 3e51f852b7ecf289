import { clipText, MAX_LOG_TEXT_BYTES } from "./clip.ts";

/**
 * Structured logging: one JSON object per line. The server logs little by
 * default (connections opening and closing, errors); `debug` lines appear
 * only when verbose. Text fields are cut to 256 bytes, so what a client
 * sends cannot make the log grow faster than its connections do.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

export interface JsonLoggerOptions {
  /** Include `debug` lines. */
  verbose?: boolean;
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
}

/** A logger writing JSON lines such as `{"t":"…","level":"info","event":"open","conn":1}`. */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const verbose = options.verbose ?? false;
  return {
    log(level, event, fields) {
      if (level === "debug" && !verbose) return;
      const record = { t: new Date().toISOString(), level, event, ...fields };
      write(`${JSON.stringify(record, jsonSafe)}\n`);
    },
  };
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = { log() {} };

function jsonSafe(_key: string, value: unknown): unknown {
  // Fields may carry client-supplied text: no field makes a line long.
  if (typeof value === "string") return clipText(value, MAX_LOG_TEXT_BYTES);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
