/**
 * `scalar validate`: the file, every plugin module and its options, then a
 * dry run of every plugin's `setup` on bots that never connect (bad
 * schedules, commands registered twice, setup throws). Every problem is
 * printed at once; nothing is started and no state is written.
 */
import { BotSet, prepareBots } from "../config/bots.ts";
import { checkPlugins } from "../config/plugins.ts";
import { formatProblem, sortProblems } from "../config/problems.ts";
import type { SetupProblem } from "../config/setup-problems.ts";
import { loadOrExit, usageError } from "./exit.ts";

export async function validateConfig(path: string): Promise<void> {
  const loaded = loadOrExit(path);
  const unloadable = await checkPlugins(loaded);
  // A bot whose plugins do not all load is not set up: what it would do without them is guesswork.
  const broken = new Set(unloadable.map((p) => /^bots\[(\d+)\]/.exec(p.path)?.[1]).map(Number));
  const prepared = await prepareBots(loaded, (i) => !broken.has(i));
  const failed: SetupProblem[] = await BotSet.dryRun(loaded, prepared);
  const problems = sortProblems([...unloadable, ...failed]);
  if (problems.length > 0) usageError(problems.map(formatProblem).join("\n"));
  const bots = loaded.config.bots;
  process.stdout.write(
    `${path}: ok (${bots.length} bot${bots.length === 1 ? "" : "s"}: ${bots.map((b) => b.id).join(", ")})\n`,
  );
}
