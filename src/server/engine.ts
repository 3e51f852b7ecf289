/**
 * JavaScriptCore settings for a server that has a single core.
 *
 * JSC marks the heap (concurrent GC) and compiles its top JIT tier (FTL) on
 * background threads. With several cores they run beside the event loop;
 * with one they take turns with it, and each turn they take holds up the
 * events being written at that moment. On one core the server therefore
 * collects in its own pauses and stops at the DFG tier: its time goes to
 * socket writes, not JS, so throughput stays the same while the latency tail
 * shrinks (figures in docs/benchmarks.md).
 *
 * JSC reads these options once, from the environment, when the process
 * starts: the server applies them by re-executing itself, same PID, before
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
