import { availableParallelism } from "node:os";
import { type Command, InvalidArgumentError } from "commander";
import { isValidDomain, parseId } from "../protocol/index.ts";
import { loadTokens } from "./auth.ts";
import { relaunchForSingleCore } from "./engine.ts";
import { registerHashTokenCommand } from "./hash-token-command.ts";
import { DEFAULT_RETENTION as KEPT } from "./history/limits.ts";
import { jsonLogger } from "./log.ts";
import { DEFAULT_MAX_TOPICS, type ServerOptions } from "./options.ts";
import { startServer } from "./server.ts";
import { describeStartError, makeHistoryFolder } from "./start-errors.ts";

interface ServerFlags {
  host: string;
  port: number;
  domain: string;
  history: ServerOptions["history"];
  historyLimit?: number;
  historyTotal?: number;
  historyBytes?: number;
  historyTopicBytes?: number;
  presenceLimit?: number;
  inboxLimit?: number;
  inboxTotal?: number;
  admin: string[];
  tokens?: string;
  rate?: number;
  burst?: number;
  pingInterval?: number;
  pingTimeout?: number;
  maxSubscriptions?: number;
  maxTopics?: number;
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  maxOutbound?: number;
  outputBudget?: number;
  inputBudget?: number;
  motd?: string;
  verbose?: boolean;
  engineTuning: boolean;
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}

function mebibytes(n: number | undefined): number | undefined {
  return n === undefined ? undefined : n * 1024 * 1024;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("expected a positive number");
  }
  return n;
}

function domainArg(value: string): string {
  const domain = value.toLowerCase();
  if (!isValidDomain(domain)) throw new InvalidArgumentError("expected a DNS hostname");
  return domain;
}

function historyArg(value: string): ServerFlags["history"] {
  if (value === "memory" || value === "none") return value;
  if (value.startsWith("sqlite:") && value.length > "sqlite:".length) {
    return value as `sqlite:${string}`;
  }
  throw new InvalidArgumentError('expected "memory", "none" or "sqlite:PATH"');
}

function adminArg(value: string, previous: string[]): string[] {
  try {
    parseId(value, "localhost");
  } catch {
    throw new InvalidArgumentError("expected an ID (local@domain)");
  }
  return [...previous, value];
}

function tokensArg(value: string): string {
  try {
    // Read once here so a bad file is a usage error; the server reads it again.
    loadTokens(value, "localhost");
  } catch (error) {
    throw new InvalidArgumentError(`cannot use the tokens file: ${(error as Error).message}`);
  }
  return value;
}

/** What `scalar server --help` says of the server's memory under the default limits. */
function memoryHelp(): string {
  const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  return [
    "",
    "Memory, with the default limits: at most about 490 MiB (docs/server.md, Memory):",
    "  connections                      10000, 1024 an address; ~10 KiB each with 100 subscriptions",
    `  topics with state                ${DEFAULT_MAX_TOPICS} (--max-topics), up to 2 KiB each`,
    `  history in memory                ${mib(KEPT.messages.totalBytes)} of messages, ${mib(KEPT.presence.totalBytes)} of presence, ${mib(KEPT.inbox.totalBytes)} of inboxes; as much again in chunks at most`,
    "  unsent output                    32 MiB in all (--output-budget), 8 MiB a connection; 8 MiB made a turn",
    "  half-sent frames, held requests  32 MiB in all (--input-budget), 16 KiB of frame a connection",
    "  token checks                     2 at a time, 19 MiB each (argon2id of scalar hash-token)",
  ].join("\n");
}

/**
 * Adds `scalar server`: runs a Scalar v1 server in this process until
 * SIGINT/SIGTERM, then stops it gracefully (every client gets `shutdown`).
 * Prints exactly one line, `listening on HOST:PORT`, when ready.
 */
export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run a Scalar v1 server")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "TCP port (0 takes a free one)", integer(0, 65535), 7667)
    .option("--domain <domain>", "the server's domain", domainArg, "localhost")
    .option("--history <store>", "memory | none | sqlite:PATH", historyArg, "memory")
    .option("--history-limit <n>", "messages kept per topic (default 10000)", integer(1))
    .option(
      "--history-total <n>",
      `messages kept across all topics (default ${KEPT.messages.totalEvents})`,
      integer(1),
    )
    .option(
      "--history-topic-bytes <n>",
      `payload bytes of messages kept per topic (default ${KEPT.messages.topicBytes})`,
      integer(16382),
    )
    .option(
      "--history-bytes <n>",
      `payload bytes of messages kept across all topics (default ${KEPT.messages.totalBytes})`,
      integer(16382),
    )
    .option(
      "--presence-limit <n>",
      `join/leave events kept per channel (default ${KEPT.presence.topicEvents})`,
      integer(1),
    )
    .option(
      "--inbox-limit <n>",
      `DMs kept per ID that has not connected (default ${KEPT.inbox.topicEvents})`,
      integer(1),
    )
    .option(
      "--inbox-total <n>",
      `DMs kept for all IDs that have not connected (default ${KEPT.inbox.totalEvents})`,
      integer(1),
    )
    .option("--admin <id>", "an admin ID (repeatable)", adminArg, [])
    .option("--tokens <file>", "token mode: lines `ID HASH` (see `scalar hash-token`)", tokensArg)
    .option("--rate <n>", "messages a second per connection", positiveNumber)
    .option("--burst <n>", "message burst per connection", positiveNumber)
    .option("--ping-interval <s>", "seconds of silence before a ping", positiveNumber)
    .option("--ping-timeout <s>", "seconds to wait for the pong", positiveNumber)
    .option("--max-subscriptions <n>", "channel subscriptions per connection", integer(1))
    .option(
      "--max-topics <n>",
      `topics with state in all: channels, and what history keeps of others (default ${DEFAULT_MAX_TOPICS})`,
      integer(1),
    )
    .option("--max-connections <n>", "open connections in all (default 10000)", integer(1))
    .option(
      "--max-connections-per-address <n>",
      "open connections from one address, an IPv6 /64 (default 1024)",
      integer(1),
    )
    .option(
      "--max-outbound <MiB>",
      "unsent output one connection may have before slow_consumer (default 8)",
      integer(1),
    )
    .option(
      "--output-budget <MiB>",
      "unsent output of all connections; past it the largest get slow_consumer (default 32)",
      integer(1),
    )
    .option(
      "--input-budget <MiB>",
      "half-sent frames and held requests of all connections; past it the largest get busy (default 32)",
      integer(1),
    )
    .option("--motd <text>", "message of the day")
    .option("--verbose", "log more (debug lines)")
    .option("--no-engine-tuning", "keep JavaScriptCore's defaults on a single core")
    .addHelpText("after", memoryHelp())
    .action(async (flags: ServerFlags) => {
      if (flags.engineTuning) relaunchForSingleCore(availableParallelism());
      const options: ServerOptions = {
        host: flags.host,
        port: flags.port,
        domain: flags.domain,
        history: flags.history,
        historyLimit: flags.historyLimit,
        retention: {
          messages: {
            totalEvents: flags.historyTotal,
            totalBytes: flags.historyBytes,
            topicBytes: flags.historyTopicBytes,
          },
          presence: { topicEvents: flags.presenceLimit },
          inbox: { topicEvents: flags.inboxLimit, totalEvents: flags.inboxTotal },
        },
        admins: flags.admin,
        tokens: flags.tokens,
        rate: flags.rate,
        burst: flags.burst,
        pingInterval: flags.pingInterval,
        pingTimeout: flags.pingTimeout,
        maxSubscriptions: flags.maxSubscriptions,
        maxTopics: flags.maxTopics,
        maxConnections: flags.maxConnections,
        maxConnectionsPerAddress: flags.maxConnectionsPerAddress,
        maxOutboundBytes: mebibytes(flags.maxOutbound),
        outputBudgetBytes: mebibytes(flags.outputBudget),
        inputBudgetBytes: mebibytes(flags.inputBudget),
        motd: flags.motd,
        log: jsonLogger({ verbose: flags.verbose ?? false }),
      };
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        makeHistoryFolder(options.history);
        server = await startServer(options);
      } catch (error) {
        // One line naming the history file or the address, not a stack.
        process.stderr.write(`scalar server: ${describeStartError(error, flags, "--port")}\n`);
        process.exit(1);
      }
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await server.stop();
        process.exit(0);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      process.stdout.write(`listening on ${server.host}:${server.port}\n`);
    });
  registerHashTokenCommand(program);
}
