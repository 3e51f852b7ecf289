/**
 * The `scalar` command's bot-side subcommands: `run`, `validate`, `schema`,
 * `init`, `send`, `tail`, `chat`. Usage errors (bad flags, an invalid
 * configuration) print one line per problem and exit with status 2.
 *
 * Only the flags are defined here; what a command does is loaded when it
 * runs (one module a command: run.ts, validate.ts, init.ts, send.ts,
 * tail.ts, chat.ts), so `scalar server` does not pay for the bots, the configuration schema and
 * their dependencies in memory.
 */
import { availableParallelism } from "node:os";
import { type Command, InvalidArgumentError } from "commander";
import { parseId, parseName } from "../protocol/index.ts";
import { relaunchForSingleCore } from "../server/engine.ts";
import { registerLogsCommands } from "./logs.ts";

export interface ClientFlags {
  host: string;
  port: number;
  as?: string;
  token?: string;
}

function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
    throw new InvalidArgumentError("expected a port number from 1 to 65535");
  }
  return n;
}

function idArg(value: string): string {
  try {
    parseId(value, "localhost");
  } catch {
    throw new InvalidArgumentError('expected an ID like "alice" or "alice@localhost"');
  }
  return value;
}

function topicArg(value: string): string {
  try {
    parseName(value, "localhost");
  } catch {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a topic name (like "#general")`,
    );
  }
  return value;
}

function logFormatArg(value: string): "text" | "json" {
  if (value !== "text" && value !== "json")
    throw new InvalidArgumentError('expected "text" or "json"');
  return value;
}

function clientOptions(command: Command): Command {
  return command
    .option("--host <host>", "server address", "127.0.0.1")
    .option("--port <port>", "server port", portArg, 7667)
    .option("--token <token>", "token for token-mode servers (default $SCALAR_TOKEN)");
}

export function registerRuntimeCommands(program: Command): void {
  program
    .command("run")
    .description("run the bots of a configuration file until SIGINT/SIGTERM")
    .argument("<config>", "configuration file (YAML)")
    .option("--verbose", "debug lines, and the stacks of errors")
    .option("--log-format <format>", "text | json (one JSON object a line)", logFormatArg, "text")
    .option("--watch", "reload plugins and the configuration in place when their files change")
    .option("--no-engine-tuning", "keep JavaScriptCore's defaults on a single core")
    .action(
      async (
        path: string,
        flags: {
          verbose?: boolean;
          logFormat: "text" | "json";
          watch?: boolean;
          engineTuning: boolean;
        },
      ) => {
        // --watch keeps its bots in this process: restart now, before
        // anything is loaded; otherwise the restart into the bots' lean
        // process (run.ts) takes the engine settings along.
        if (flags.engineTuning && flags.watch) relaunchForSingleCore(availableParallelism());
        const { runConfig } = await import("./run.ts");
        await runConfig(path, flags);
      },
    );

  program
    .command("validate")
    .description("check a configuration file and its plugins without starting anything")
    .argument("<config>", "configuration file (YAML)")
    .action(async (path: string) => {
      const { validateConfig } = await import("./validate.ts");
      await validateConfig(path);
    });

  program
    .command("schema")
    .description("print the configuration's JSON Schema (for editor completion)")
    .action(async () => {
      const { configJsonSchema } = await import("../config/schema.ts");
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  program
    .command("init")
    .description("make a new bot project (bots.yaml, a plugin, a test) in DIR")
    .argument("[dir]", "the project's folder, created if missing", ".")
    .option("--force", "write into a folder that is not empty")
    .option(
      "--scalarbot <spec>",
      "depend on this instead of this version (a range, a path, a tarball)",
    )
    .action(async (dir: string, flags: { force?: boolean; scalarbot?: string }) => {
      const { initCommand } = await import("./init.ts");
      initCommand(dir, flags);
    });

  clientOptions(
    program
      .command("send")
      .description("send one message and exit")
      .requiredOption("--as <id>", "the ID to send as", idArg)
      .argument("<topic>", "where to send (#channel or an ID)", topicArg)
      .argument("<text>", "the message"),
  ).action(async (topic: string, text: string, flags: ClientFlags) => {
    const { sendOnce } = await import("./send.ts");
    await sendOnce(flags, topic, text);
  });

  clientOptions(
    program
      .command("tail")
      .description("follow topics live: HH:MM:SS #topic <from> body")
      .option("--as <id>", "the ID to read as (default tail-PID)", idArg)
      .option("--last <n>", "also show the last N events of each topic", (v) => {
        if (!/^\d+$/.test(v)) throw new InvalidArgumentError("expected a count");
        return Number(v);
      })
      .argument("<topics...>", "topics to follow", (v: string, prev: string[] = []) => [
        ...prev,
        topicArg(v),
      ]),
  ).action(async (topics: string[], flags: ClientFlags & { last?: number }) => {
    const { tail } = await import("./tail.ts");
    await tail(flags, topics);
  });

  clientOptions(
    program
      .command("chat")
      .description("talk on one connection: lines typed go to the current topic; /help")
      .requiredOption("--as <id>", "the ID to talk as", idArg)
      .argument(
        "[topics...]",
        "channels to join (the first is current), or an ID to talk to",
        (v: string, prev: string[] = []) => [...prev, topicArg(v)],
      ),
  ).action(async (topics: string[] | undefined, flags: ClientFlags & { as: string }) => {
    const { chat } = await import("./chat.ts");
    await chat(flags, topics ?? []);
  });

  // `scalar logs` and its subcommands: the logger's archive (logs.ts).
  registerLogsCommands(program);
}
