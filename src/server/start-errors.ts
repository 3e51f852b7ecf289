/**
 * A server that does not start, said in one line for a command line: the
 * history file that cannot be opened (named by its path) and the address
 * that cannot be listened on (named by host and port) are told apart, so
 * neither is blamed for the other. Also makes a history file's folder, as
 * bots' state folders are made.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ServerOptions } from "./options.ts";

/** The history file of a `sqlite:PATH` store, or undefined for another store. */
function historyFile(history: ServerOptions["history"]): string | undefined {
  return typeof history === "string" && history.startsWith("sqlite:")
    ? history.slice("sqlite:".length)
    : undefined;
}

/** A folder for the history file could not be made. */
export class HistoryFolderError extends Error {
  override readonly name = "HistoryFolderError";
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: unknown })?.code;
    const message = cause instanceof Error ? cause.message : String(cause);
    const withCode =
      typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
    super(`cannot make the folder of the history file ${path}: ${withCode}`, { cause });
  }
}

/**
 * Makes the folder of a `sqlite:PATH` history file if it is missing.
 * @throws HistoryFolderError
 */
export function makeHistoryFolder(history: ServerOptions["history"]): void {
  const file = historyFile(history);
  if (file === undefined || file === ":memory:") return;
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
  } catch (error) {
    throw new HistoryFolderError(file, error);
  }
}

const LISTEN_CODES: Record<string, string> = {
  EADDRINUSE: "the port is in use",
  EADDRNOTAVAIL: "the address is not one of this machine's",
  EACCES: "permission denied (ports below 1024 need privileges)",
};

/**
 * Why `startServer` failed, in one line.
 * @param portHint how to choose another port (`--port`, `server.embedded.port`)
 */
export function describeStartError(
  error: unknown,
  options: { host: string; port: number; history?: ServerOptions["history"] },
  portHint: string,
): string {
  if (error instanceof HistoryFolderError) return error.message;
  const e = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    syscall?: unknown;
    message?: unknown;
  };
  const code = typeof e.code === "string" ? e.code : undefined;
  const message = typeof e.message === "string" ? e.message : String(error);
  const file = historyFile(options.history);
  if (file !== undefined && (e.name === "SQLiteError" || code?.startsWith("SQLITE_"))) {
    return `cannot open the history file ${file}: ${message}${code === undefined ? "" : ` (${code})`}`;
  }
  if (e.syscall === "listen" || (code !== undefined && code in LISTEN_CODES)) {
    const why = (code && LISTEN_CODES[code]) ?? message;
    const hint =
      code === "EADDRINUSE" ? `: stop the other server or choose another port (${portHint})` : "";
    return `cannot listen on ${options.host}:${options.port}: ${why}${code === undefined ? "" : ` (${code})`}${hint}`;
  }
  return code === undefined || message.includes(code) ? message : `${message} (${code})`;
}
