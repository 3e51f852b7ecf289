/**
 * `scalar logs`: the logger's archive from the command line — lines by
 * topic, time, sender, kind and search, followed as they are written;
 * `export`, `reindex`, and `serve` (the web viewer). Only the flags are
 * defined here; each action is loaded when it runs (logs-*.ts).
 */
import { type Command, InvalidArgumentError } from "commander";

export interface LogsFlags {
  dir: string;
  since?: string;
  until?: string;
  from?: string;
  search?: string;
  substring?: boolean;
  kinds?: string[];
  format: "text" | "json";
  follow?: boolean;
  limit?: number;
}

export interface ExportFlags {
  dir: string;
  out: string;
  since?: string;
  until?: string;
  formats: ("txt" | "jsonl")[];
}

export interface ServeFlags {
  dir: string;
  host: string;
  port: number;
  token?: string;
}

const KINDS = ["message", "join", "leave"];

function countArg(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a count");
  return Number(value);
}

function kindsArg(value: string): string[] {
  const kinds = value.split(",").map((k) => k.trim());
  const wrong = kinds.filter((k) => !KINDS.includes(k));
  if (wrong.length > 0) {
    throw new InvalidArgumentError(
      `expected kinds from ${KINDS.join(", ")}, got ${wrong.join(", ")}`,
    );
  }
  return kinds;
}

function formatArg(value: string): "text" | "json" {
  if (value !== "text" && value !== "json")
    throw new InvalidArgumentError('expected "text" or "json"');
  return value;
}

function formatsArg(value: string): ("txt" | "jsonl")[] {
  const formats = value.split(",").map((f) => f.trim());
  if (formats.length === 0 || formats.some((f) => f !== "txt" && f !== "jsonl")) {
    throw new InvalidArgumentError('expected "txt", "jsonl" or "txt,jsonl"');
  }
  return formats as ("txt" | "jsonl")[];
}

function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) {
    throw new InvalidArgumentError("expected a port number from 0 to 65535");
  }
  return n;
}

const DIR_HELP = "the logger's folder (its `dir`)";

export function registerLogsCommands(program: Command): void {
  // The subcommands take `--dir` (and export `--since`, `--until`) from `logs` itself,
  // wherever they stand on the command line: an option both defined would go to `logs`.
  const logs = program
    .command("logs")
    .description("read and search a logger's archive: TOPIC... (default all), newest lines last")
    .argument("[topics...]", "topics (#general, or #general@localhost)")
    .option("--dir <dir>", DIR_HELP, "logs")
    .option("--since <time>", "from this time: 2h, 7d, 2026-12-01, 2026-12-01T08:00:00Z")
    .option("--until <time>", "before this time (a day: up to its end)")
    .option("--from <id>", "only lines of this sender (bob, or bob@localhost)")
    .option("--search <query>", 'words (brown fox), a "phrase", a prefix*, -excluded')
    .option("--substring", "--search finds its text anywhere, inside words too")
    .option("--kinds <kinds>", "only these kinds: message,join,leave", kindsArg)
    .option("--format <format>", "text | json (one JSON object a line)", formatArg, "text")
    .option("--follow", "then print new lines as the logger writes them, until interrupted")
    .option("--limit <n>", "only the last N lines", countArg)
    .action(async (topics: string[], flags: LogsFlags) => {
      const { printLogs } = await import("./logs-print.ts");
      await printLogs(topics, flags);
    });

  logs
    .command("export")
    .description("write each topic's lines (--since, --until) to OUT as .txt and .jsonl")
    .argument("[topics...]", "topics (default all)")
    .option("--out <dir>", "the folder to write to", ".")
    .option("--formats <list>", "txt, jsonl or both", formatsArg, ["txt", "jsonl"])
    .action(async (topics: string[], _flags: unknown, command: Command) => {
      const { exportLogs } = await import("./logs-export.ts");
      exportLogs(topics, command.optsWithGlobals<ExportFlags>());
    });

  logs
    .command("reindex")
    .description("rebuild the archive's search index from its files (--dir)")
    .option("--force", "rebuild even while a logger writes the folder")
    .action(async (_flags: unknown, command: Command) => {
      const { reindex } = await import("./logs-export.ts");
      reindex(command.optsWithGlobals<{ dir: string; force?: boolean }>());
    });

  logs
    .command("serve")
    .description("the web viewer of an archive (--dir), read-only, until SIGINT/SIGTERM")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "TCP port; 0 takes a free one", portArg, 8080)
    .option("--token <token>", "require this access token (default $SCALAR_LOGS_TOKEN)")
    .action(async (_flags: unknown, command: Command) => {
      const { serveLogs } = await import("./logs-serve.ts");
      await serveLogs(command.optsWithGlobals<ServeFlags>());
    });
}
