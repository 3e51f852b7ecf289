/**
 * The bots' process of `scalar run`: run.ts checked the configuration,
 * wrote it as a plan (lean-plan.ts) and re-executed itself, same PID, into
 * this file. It runs the bots as run.ts would have (the same logs, exit
 * statuses and signals) without commander, the YAML parser, zod or the
 * configuration's schema, which a reload loads when one comes.
 *
 *   bun src/cli/lean-run.ts PLAN [FILE]     (FILE: the configuration, for `ps` only)
 */
import { formatProblem } from "../config/problems.ts";
import { usageError } from "./exit-status.ts";
import { readPlan } from "./lean-plan.ts";
import { runBots } from "./run.ts";

const path = process.argv[2];
if (path === undefined) usageError("usage: bun src/cli/lean-run.ts PLAN (scalar run writes it)");
const plan = await readPlan(path);
if (plan.problems.length > 0) usageError(plan.problems.map(formatProblem).join("\n"));
const runner = await runBots(plan.loaded, plan.prepared, plan.flags);
if (plan.flags.verbose) {
  const from = import.meta.path.endsWith(".js") ? "precompiled, " : "";
  runner.log(
    `checked, then restarted (${from}same PID, ${process.pid}): ${loadedModules()}`,
    "debug",
  );
}

/** How many modules this process loaded, and from which packages: what its memory goes to. */
function loadedModules(): string {
  const files = Object.keys(require.cache);
  const packages = new Set<string>();
  for (const file of files) {
    const at = file.lastIndexOf("/node_modules/");
    if (at < 0 || file.includes("/node_modules/.cache/")) continue;
    const [scope, name] = file.slice(at + "/node_modules/".length).split("/");
    packages.add(scope!.startsWith("@") ? `${scope}/${name}` : scope!);
  }
  const list = [...packages].sort().join(", ");
  return `${files.length} modules loaded, from packages: ${list || "none"}`;
}
