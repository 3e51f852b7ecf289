/**
 * `scalar run`: runs until SIGINT/SIGTERM, then stops gracefully and exits
 * 0; exits 3 once every bot has given up reconnecting, so a supervisor
 * restarts it. Log entries go to stdout, warnings and errors to stderr.
 *
 * The file is checked first (its YAML, the schema, every plugin loaded and
 * its options checked), then the process re-executes itself, same PID,
 * into lean-run.ts with the checked configuration: the bots run without
 * the checker's modules (zod, the YAML parser, commander: half of an idle
 * bot's memory). Where `process.execve` is missing, and with `--watch`
 * (which reads the configuration again in place, watch.ts), they run here.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { describeCause } from "../client/errors.ts";
import type { PreparedBot } from "../config/bots.ts";
import type { LoadedConfig } from "../config/load.ts";
import { errorFrames, jsonLine, type LogFormat, lineSink } from "../config/log.ts";
import { fileName } from "../config/places.ts";
import { formatProblem } from "../config/problems.ts";
import { PluginSetupError } from "../config/setup-problems.ts";
import { singleCoreEnvironment } from "../server/engine.ts";
import { EXIT, flushed } from "./exit-status.ts";
import { Runner } from "./runner.ts";
import type { FileWatch } from "./watch.ts";

export interface RunFlags {
  verbose?: boolean;
  logFormat?: LogFormat["format"];
  /** Reload plugins and the configuration in place when their files change. */
  watch?: boolean;
  /** On a single core, the bots' process gets the engine settings of server/engine.ts. */
  engineTuning?: boolean;
}

// Bun's own writers, not process.stdout/stderr: those load Node's streams (~6 MB
// resident in an idle bot's process). They write in order, waiting for a slow
// reader as Node's stdio does on pipes, and lose nothing at exit.
const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);

export async function runConfig(path: string, flags: RunFlags = {}): Promise<void> {
  const { prepare } = await import("./exit.ts");
  const { loaded, prepared } = await prepare(path);
  if (!flags.watch) await runLean(loaded, prepared, flags);
  await runBots(loaded, prepared, flags);
}

/** The process a checked configuration's bots run in (argv: the plan, then the file for `ps`). */
export const LEAN_ENTRY = join(import.meta.dir, "lean-run.ts");

/**
 * Re-executes this process into LEAN_ENTRY with the checked
 * configuration; returns only when that cannot be done (no
 * `process.execve`, options that are not data, a failed exec), and then
 * the bots run here.
 */
async function runLean(
  loaded: LoadedConfig,
  prepared: readonly PreparedBot[],
  flags: RunFlags,
): Promise<void> {
  if (process.execve === undefined) return;
  const { removePlan, writePlan } = await import("./lean-plan.ts");
  const plan = await writePlan(loaded, prepared, {
    verbose: flags.verbose,
    logFormat: flags.logFormat,
  });
  if (plan === undefined) return;
  // The check's warnings must not be lost with this process's buffers.
  await flushed();
  const entry = await leanEntry(loaded, flags);
  const argv = [process.execPath, ...process.execArgv, entry, plan, fileName(loaded)];
  try {
    // One restart carries both: the lean process and, on one core, the engine settings.
    const tuned = flags.engineTuning
      ? singleCoreEnvironment(process.env, availableParallelism())
      : undefined;
    process.execve(process.execPath, argv, tuned ?? process.env);
  } catch (error) {
    removePlan(plan);
    err(`scalar run: the bots run in the checking process (${describeCause(error)})`);
  }
}

/**
 * LEAN_ENTRY, precompiled where the configuration allows it (precompiled.ts;
 * `SCALAR_PRECOMPILED=0` keeps the TypeScript). A runtime that cannot be
 * built is a warning: the bots run all the same.
 */
async function leanEntry(loaded: LoadedConfig, flags: RunFlags): Promise<string> {
  if (process.env.SCALAR_PRECOMPILED === "0") return LEAN_ENTRY;
  const { canPrecompile, precompiledEntry } = await import("./precompiled.ts");
  if (!canPrecompile(loaded.config)) return LEAN_ENTRY;
  const began = performance.now();
  const built = await precompiledEntry({
    src: SOURCES,
    entry: LEAN_ENTRY,
    cacheDir: join(SOURCES, "..", "node_modules", ".cache", "scalarbot"),
  });
  if (!built.ok) {
    err(`scalar run: the bots run from TypeScript: cannot precompile them: ${built.reason}`);
    return LEAN_ENTRY;
  }
  if (built.built && flags.verbose) {
    err(`scalar run: precompiled the bots' runtime in ${Math.round(performance.now() - began)} ms`);
  }
  return built.path;
}

const SOURCES = join(import.meta.dir, "..");

/**
 * Runs checked bots in this process until a signal, or until they all
 * gave up; a plugin that fails to set up ends it with status 2, the
 * embedded server that cannot start with 1.
 */
export async function runBots(
  loaded: LoadedConfig,
  prepared: PreparedBot[],
  flags: RunFlags = {},
): Promise<Runner> {
  const path = fileName(loaded);
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
  // Handlers before the start: a signal while the bots start (after the
  // "started" line, say) stops them gracefully once they have started.
  let starting = true;
  let stopAfterStart = false;
  const onSignal = (signal: string) => {
    if (ending) return;
    ending = true;
    runner.log(`${signal}, stopping`);
    if (starting) stopAfterStart = true;
    else end(EXIT.ok);
  };
  // `on`, not `once`: a second signal while stopping (systemd signals the
  // whole group, the launcher passes one on) must not kill a graceful stop.
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
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
  starting = false;
  if (stopAfterStart) {
    end(EXIT.ok);
    return runner;
  }
  if (flags.watch) {
    const { watchRunner } = await import("./watch.ts");
    watching = watchRunner(runner);
  }
  return runner;
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
