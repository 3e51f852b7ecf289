/**
 * `scalar run`: runs until SIGINT/SIGTERM, then stops gracefully and exits
 * 0; exits 3 once every bot has given up reconnecting, so a supervisor
 * restarts it. Log entries go to stdout, warnings and errors to stderr.
 * With `--watch`, a change to the configuration or a plugin's files is
 * reloaded in place (watch.ts).
 */
import { describeCause } from "../client/errors.ts";
import { errorFrames, jsonLine, type LogFormat, lineSink } from "../config/log.ts";
import { formatProblem } from "../config/problems.ts";
import { PluginSetupError } from "../config/setup-problems.ts";
import { EXIT, prepare } from "./exit.ts";
import { Runner } from "./runner.ts";
import type { FileWatch } from "./watch.ts";

export interface RunFlags {
  verbose?: boolean;
  logFormat?: LogFormat["format"];
  /** Reload plugins and the configuration in place when their files change. */
  watch?: boolean;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

export async function runConfig(path: string, flags: RunFlags = {}): Promise<void> {
  const { loaded, prepared } = await prepare(path);
  const format = { format: flags.logFormat ?? "text", verbose: flags.verbose ?? false } as const;
  const sink = lineSink(out, { ...format, err });
  let runner: Runner | undefined;
  let watching: FileWatch | undefined;
  const end = (code: number) => {
    watching?.close();
    runner?.stop().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  let ending = false;
  runner = Runner.fromPrepared(loaded, prepared, {
    sink,
    onStatus: (status) => {
      const bots = runner?.botList ?? [];
      if (status.type !== "gave_up" || ending || bots.length === 0) return;
      if (!bots.every((b) => b.status?.type === "gave_up")) return;
      ending = true;
      sink({
        time: new Date(),
        level: "error",
        source: "runner",
        message: `every bot gave up reconnecting; exiting with status ${EXIT.gaveUp}`,
      });
      end(EXIT.gaveUp);
    },
  });
  try {
    await runner.start();
  } catch (error) {
    await runner.stop().catch(() => {});
    if (error instanceof PluginSetupError) {
      for (const problem of error.problems) {
        report(format, formatProblem(problem), problem.error, problem);
      }
      process.exit(EXIT.config);
    }
    report(format, `${path}: cannot start: ${describeCause(error)}`, error);
    process.exit(EXIT.failed);
  }
  if (flags.watch) {
    const { watchRunner } = await import("./watch.ts");
    watching = watchRunner(runner);
  }
  const onSignal = (signal: string) => {
    if (ending) return;
    ending = true;
    runner.log(`${signal}, stopping`);
    end(EXIT.ok);
  };
  // `on`, not `once`: a second signal while stopping (systemd signals the
  // whole group, the launcher passes one on) must not kill a graceful stop.
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}

/**
 * A failure to start: a plain line on stderr (with the stack's frames when
 * verbose), or an error entry in JSON.
 */
function report(
  format: Required<LogFormat>,
  message: string,
  error: unknown,
  about: { bot?: string; plugin?: string } = {},
): void {
  const entry = {
    time: new Date(),
    level: "error" as const,
    source: "runner",
    ...(about.bot === undefined ? {} : { bot: about.bot }),
    ...(about.plugin === undefined ? {} : { plugin: about.plugin }),
    message,
    error,
  };
  if (format.format === "json") {
    err(jsonLine(entry, format.verbose)!);
    return;
  }
  // As validate prints it: no time, no source.
  err([message, ...(format.verbose ? errorFrames(error) : [])].join("\n"));
}
