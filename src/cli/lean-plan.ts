/**
 * A checked configuration handed from `scalar run`, which validated it, to
 * the process it re-executes into (lean-run.ts): what the bots need to run
 * — the configuration with paths resolved, each plugin entry with its
 * options, where each entry stands in the file for messages, the log
 * flags — and nothing of the checking (no YAML, no schema, no zod).
 *
 * It travels in a file of its own (it holds the bots' tokens and the
 * plugins' secrets: a folder only this user reads, removed as soon as it is
 * read). Built-in plugins get their options as checked (defaults applied);
 * a plugin module gets its `with:` as written and checks it again with its
 * own schema, so what its schema makes of them (a transform, a class) is
 * exactly what it was in the check.
 */
import { deserialize, serialize } from "bun:jsc";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Plugin } from "../bot/api.ts";
import { type LoadedPlugin, loadPlugin } from "../bot/loader.ts";
import type { PreparedBot } from "../config/bots.ts";
import type { LoadedConfig } from "../config/load.ts";
import { type EntryPlaces, placesOf } from "../config/places.ts";
import type { ConfigProblem } from "../config/problems.ts";
import type { Config } from "../config/schema.ts";
import { BUILTIN_MODULES, isBuiltin } from "../plugins/builtin-modules.ts";

/** How the bots' lines are written (`scalar run --verbose --log-format`). */
export interface PlanFlags {
  verbose?: boolean;
  logFormat?: "text" | "json";
}

interface RunPlan {
  file: string;
  dir: string;
  config: Config;
  places: EntryPlaces;
  /** Per bot of `config.bots`: each plugin's options, as checked (built-in) or as written (module). */
  options: unknown[][];
  flags: PlanFlags;
}

/**
 * Writes the plan of a prepared configuration and returns its path, or
 * undefined when it cannot be passed on (an option that is not data).
 */
export async function writePlan(
  loaded: LoadedConfig,
  prepared: readonly PreparedBot[],
  flags: PlanFlags,
): Promise<string | undefined> {
  const plan: RunPlan = {
    file: loaded.file,
    dir: loaded.dir,
    config: loaded.config,
    places: placesOf(loaded),
    options: loaded.config.bots.map((bot, i) =>
      bot.plugins.map((entry, j) =>
        isBuiltin(entry.use) ? prepared[i]?.plugins[j]?.options : entry.with,
      ),
    ),
    flags,
  };
  let bytes: SharedArrayBuffer;
  try {
    bytes = serialize(plan);
  } catch {
    return undefined;
  }
  // Here, not at the top: the bots' process, which reads the plan, need not load node:os.
  const { tmpdir } = await import("node:os");
  const folder = mkdtempSync(join(tmpdir(), "scalar-run-"));
  const path = join(folder, "plan");
  writeFileSync(path, new Uint8Array(bytes), { mode: 0o600 });
  return path;
}

/** Removes a plan and its folder (after reading it, or when it is not used). */
export function removePlan(path: string): void {
  rmSync(dirname(path), { recursive: true, force: true });
}

/** What a plan runs: the configuration (without its YAML), its bots with their plugins loaded. */
export interface ReadPlan {
  loaded: LoadedConfig;
  prepared: PreparedBot[];
  flags: PlanFlags;
  /** Modules that no longer load as they did in the check (changed since), located as it locates them. */
  problems: ConfigProblem[];
}

/** Reads a plan (removing it) and loads every plugin it names. */
export async function readPlan(path: string): Promise<ReadPlan> {
  let plan: RunPlan;
  try {
    plan = deserialize(readFileSync(path)) as RunPlan;
  } finally {
    removePlan(path);
  }
  const loaded: LoadedConfig = {
    file: plan.file,
    dir: plan.dir,
    config: plan.config,
    places: plan.places,
  };
  const prepared: PreparedBot[] = [];
  const problems: ConfigProblem[] = [];
  for (const [i, bot] of plan.config.bots.entries()) {
    const plugins: LoadedPlugin[] = [];
    for (const [j, entry] of bot.plugins.entries()) {
      try {
        plugins.push(await loadEntry(entry.use, plan.options[i]?.[j], `bots[${i}].plugins[${j}]`));
      } catch (error) {
        // Rare, and the end of the run: the checker's modules may load for it.
        const { loadProblems } = await import("../config/plugins.ts");
        const found = loadProblems(loaded, i, j, bot.id, entry, error);
        if (found === undefined) throw error;
        problems.push(...found);
      }
    }
    prepared.push({ config: bot, plugins, index: i });
  }
  return { loaded, prepared, flags: plan.flags, problems };
}

async function loadEntry(use: string, options: unknown, where: string): Promise<LoadedPlugin> {
  if (!isBuiltin(use)) {
    const given = options === undefined ? {} : { with: options };
    return loadPlugin({ use, ...given }, where);
  }
  // Without its schema: the options were checked, defaults applied, before the plan was written.
  const named: Record<string, Plugin<unknown>> = { [use]: await BUILTIN_MODULES[use]() };
  return loadPlugin({ use, with: options }, where, named);
}
