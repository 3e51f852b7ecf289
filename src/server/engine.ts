/**
 * JavaScriptCore settings for a process that has a single core: the server
 * (`scalar server`) and the bots (`scalar run`).
 *
 * JSC marks the heap (concurrent GC) and compiles its top JIT tier (FTL) on
 * background threads. With several cores they run beside the event loop;
 * with one they take turns with it, and each turn they take holds up the
 * events being handled or written at that moment. On one core the process
 * therefore collects in its own pauses and stops at the DFG tier: a
 * server's time goes to socket writes and a bot's handlers are short, so
 * throughput stays the same while the latency tail shrinks (a bot's
 * command round trip, p99: 1.75–2.08 ms → 1.10–1.24 ms with both settings;
 * figures in docs/benchmarks.md).
 *
 * JSC reads these options once, from the environment, when the process
 * starts: the process applies them by re-executing itself, same PID, before
 * it opens anything.
 */
export const SINGLE_CORE_ENGINE = {
  BUN_JSC_useConcurrentGC: "0",
  BUN_JSC_useFTLJIT: "0",
} as const;

type Environment = Record<string, string | undefined>;

/**
 * The environment to restart with, or undefined to go on as is: with more
 * than one core, or when any of these options is already set (by the
 * operator, or by the restart itself).
 */
export function singleCoreEnvironment(env: Environment, cores: number): Environment | undefined {
  if (cores > 1) return undefined;
  for (const name of Object.keys(SINGLE_CORE_ENGINE)) {
    if (env[name] !== undefined) return undefined;
  }
  return { ...env, ...SINGLE_CORE_ENGINE };
}

/**
 * On a single core, restarts this process (same PID, same arguments) with
 * the settings above; returns only when there is nothing to change, or
 * when the restart failed (then it goes on with the defaults, and says so).
 */
export function relaunchForSingleCore(cores: number): void {
  const env = singleCoreEnvironment(process.env, cores);
  if (env === undefined || process.execve === undefined) return;
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  try {
    process.execve(process.execPath, argv, env);
  } catch (error) {
    // Still this process, unchanged: go on with the defaults.
    process.stderr.write(`engine settings not applied: ${(error as Error).message}\n`);
  }
}
