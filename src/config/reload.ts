/**
 * A running bot set reloaded from disk, in place: plugin modules whose
 * files changed (`scalar run --watch`), the configuration file changed
 * (the same), or one bot's plugins on demand (`!reload`). Only what
 * changed is loaded again; each bot's connection stays up (see
 * Bot.changePlugins). What fails to load or set up keeps the running
 * version and is logged located; a change only a restart can make is
 * named, and nothing of that file is applied. One reload at a time.
 */
import { resolve } from "node:path";
import { forgetModules, moduleGraph, staleFiles } from "../bot/module-graph.ts";
import type { ReloadReport } from "../bot/reload.ts";
import { isBuiltin } from "../plugins/builtins.ts";
import type { BotSet, PreparedBot } from "./bots.ts";

export { watchedFiles } from "./bots.ts";

import { diffBot, diffConfigs, type PluginStep } from "./config-diff.ts";
import { ConfigError, type LoadedConfig, loadConfig } from "./load.ts";
import { fileName } from "./places.ts";
import {
  type BotSlot,
  pluginName,
  type RunningPlugin,
  swapPlugins,
  type Target,
} from "./plugin-swap.ts";
import { loadConfiguredPlugin, loadProblems } from "./plugins.ts";
import { formatProblem, formatWarning } from "./problems.ts";
import type { Config } from "./schema.ts";
import { PluginSetupError } from "./setup-problems.ts";

const queues = new WeakMap<BotSet, Promise<unknown>>();

/** Runs `fn` after the set's reloads before it. */
function serial<T>(set: BotSet, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(set) ?? Promise.resolve()).then(fn);
  queues.set(
    set,
    run.catch(() => {}),
  );
  return run;
}

function emptyReport(): ReloadReport {
  return { done: [], failed: [] };
}

/**
 * Plugins whose module files are among `changed`: read afresh (with the
 * files of theirs that import a changed one) and swapped in place, each
 * with its options as its bot runs them.
 */
export function reloadFiles(set: BotSet, changed: readonly string[]): Promise<ReloadReport> {
  return serial(set, async () => {
    const report = emptyReport();
    const files = new Set(changed);
    const stale = new Set<string>();
    const affected = new Map<BotSlot, Set<number>>();
    for (const slot of set.slots) {
      for (const [j, p] of slot.plugins.entries()) {
        if (p.entry === undefined || !p.files.some((f) => files.has(f))) continue;
        if (!affected.has(slot)) affected.set(slot, new Set());
        affected.get(slot)!.add(j);
        for (const f of staleFiles(p.entry.use, files)) stale.add(f);
      }
    }
    forgetModules(stale);
    for (const [slot, indices] of affected) {
      const targets = slot.plugins.map(
        (p, j): Target =>
          indices.has(j)
            ? { type: "load", running: p, entry: p.entry! }
            : { type: "keep", running: p, entry: p.entry },
      );
      await swapPlugins(set, slot, targets, [], slot, report);
    }
    return report;
  });
}

/**
 * `!reload [plugin]`: the configuration file read again and the bot's
 * plugins (or the one named) loaded from disk and swapped in place, with
 * their options as the file now says. Plugins the file adds to the bot or
 * takes off it are set up or released (all of them only).
 */
export function reloadBot(set: BotSet, slot: BotSlot, name?: string): Promise<ReloadReport> {
  return serial(set, async () => {
    const report = emptyReport();
    const id = slot.bot.id;
    const next = readConfig(set, shown(set.loaded), report);
    if (next === undefined) return report;
    const now = next.config.bots.findIndex(
      (b) => b.id.toLowerCase() === slot.config.id.toLowerCase(),
    );
    if (now < 0) {
      fail(
        set,
        report,
        id,
        `${shown(next)}: has no bot ${slot.config.id} any more; only a restart stops it`,
      );
      return report;
    }
    const bot = next.config.bots[now]!;
    const change = diffBot(slot.config, bot, now);
    if (change.restart.length > 0) {
      for (const r of change.restart)
        fail(set, report, id, `${shown(next)}: ${r}: only a restart applies it`);
      fail(set, report, id, "nothing reloaded");
      return report;
    }
    const steps = change.steps;
    if (name !== undefined) {
      const j = slot.plugins.findIndex((p) => named(p, name, next));
      const step = steps.find((s) => s.type !== "add" && s.old === j);
      if (j < 0 || step === undefined || step.type === "remove") {
        const names = slot.plugins.map((p) => pluginName(p)).join(", ");
        const why =
          j < 0
            ? `no plugin ${name} (its plugins: ${names || "none"})`
            : `${name} is no longer in ${shown(next)}`;
        fail(set, report, id, why);
        return report;
      }
      // The others stay as they run, with the entries they run from.
      const entries = slot.plugins.map((p, k) => (k === j ? bot.plugins[step.now]! : p.entry));
      const config = { ...slot.config, plugins: entries.filter((e) => e !== undefined) };
      const targets = slot.plugins.map(
        (p, k): Target =>
          k === j
            ? { type: "load", running: p, entry: entries[k]! }
            : { type: "keep", running: p, entry: p.entry },
      );
      forgetTargets(targets);
      await swapPlugins(set, slot, targets, [], { ...slot, config }, report);
      return report;
    }
    // From disk: every plugin is loaded again, not only those whose options changed.
    const fromDisk = steps.map(
      (s): PluginStep => (s.type === "keep" ? { ...s, type: "options" } : s),
    );
    await applySteps(set, slot, fromDisk, { loaded: next, config: bot, index: now }, report);
    return report;
  });
}

/**
 * The configuration file changed: bots it adds start, bots it drops stop,
 * plugins it adds, drops or gives other options are set up, released or
 * set up again, on their running bots. When some change needs a restart,
 * nothing is applied and each is named.
 */
export function applyConfig(set: BotSet, next: LoadedConfig): Promise<ReloadReport> {
  return serial(set, async () => {
    const report = emptyReport();
    const running: Config = {
      ...set.loaded.config,
      bots: set.slots.map((s) => s.config),
    };
    const diff = diffConfigs(running, next.config);
    if (diff.restart.length > 0) {
      for (const r of diff.restart) {
        fail(set, report, "runner", `${shown(next)}: ${r}: only a restart applies it`);
      }
      fail(set, report, "runner", `${shown(next)}: not applied; the bots run on as they were`);
      return report;
    }
    const slots = [...set.slots];
    for (const j of diff.removed) {
      const slot = slots[j]!;
      await set.stopBot(slot);
      done(set, report, slot.bot.id, `${slot.bot.id} stopped (no longer in ${shown(next)})`);
    }
    for (const bot of diff.kept) {
      const slot = slots[bot.old]!;
      const place = { loaded: next, config: next.config.bots[bot.now]!, index: bot.now };
      await applySteps(set, slot, bot.steps, place, report);
    }
    set.loaded = next;
    for (const i of diff.added) await startBot(set, next, i, report);
    return report;
  });
}

/** The configuration file read again and applied (`applyConfig`); an invalid one is logged, not applied. */
export async function reloadConfigFile(set: BotSet): Promise<ReloadReport> {
  const report = emptyReport();
  const next = readConfig(set, shown(set.loaded), report);
  if (next === undefined) return report;
  for (const w of next.warnings ?? []) set.log("runner", formatWarning(w), "warn");
  return applyConfig(set, next);
}

/** Brings one bot to `steps`, its plugin modules read afresh for those loaded again. */
async function applySteps(
  set: BotSet,
  slot: BotSlot,
  steps: readonly PluginStep[],
  next: { loaded: LoadedConfig; config: Config["bots"][number]; index: number },
  report: ReloadReport,
): Promise<void> {
  const entries = next.config.plugins;
  const targets: Target[] = [];
  const removed: RunningPlugin[] = [];
  for (const step of steps) {
    if (step.type === "remove") removed.push(slot.plugins[step.old]!);
    else if (step.type === "add")
      targets[step.now] = { type: "load", running: undefined, entry: entries[step.now]! };
    else {
      const running = slot.plugins[step.old]!;
      const entry = entries[step.now]!;
      targets[step.now] =
        step.type === "keep" ? { type: "keep", running, entry } : { type: "load", running, entry };
    }
  }
  if (targets.every((t) => t.type === "keep") && removed.length === 0) {
    // Nothing to do on the bot: it runs from the new file's entries from now on.
    slot.plugins = targets.map((t) => ({ ...t.running!, entry: t.entry }));
    Object.assign(slot, next);
    return;
  }
  forgetTargets(targets);
  await swapPlugins(set, slot, targets, removed, next, report);
}

/** Plugin modules about to be loaded again, evaluated afresh (their whole graph). */
function forgetTargets(targets: readonly Target[]): void {
  for (const t of targets) {
    if (t.type === "load" && !isBuiltin(t.entry.use)) forgetModules(moduleGraph(t.entry.use));
  }
}

/** A bot the file adds: its plugins loaded, then it starts; what fails is logged and it does not. */
async function startBot(
  set: BotSet,
  next: LoadedConfig,
  i: number,
  report: ReloadReport,
): Promise<void> {
  const config = next.config.bots[i]!;
  const prepared: PreparedBot = { config, plugins: [], index: i };
  const problems: string[] = [];
  for (const [j, entry] of config.plugins.entries()) {
    try {
      prepared.plugins.push(await loadConfiguredPlugin(entry, `bots[${i}].plugins[${j}]`));
    } catch (error) {
      const found = loadProblems(next, i, j, config.id, entry, error);
      if (found === undefined) throw error;
      problems.push(...found.map(formatProblem));
    }
  }
  if (problems.length === 0) {
    try {
      await set.startBot(prepared);
      done(set, report, config.id, `${config.id} started (new in ${shown(next)})`);
      return;
    } catch (error) {
      if (!(error instanceof PluginSetupError)) throw error;
      problems.push(...error.problems.map(formatProblem));
    }
  }
  for (const line of problems) fail(set, report, config.id, line);
  fail(set, report, config.id, `${config.id} is not started`);
}

/** The file read again; undefined (its problems logged) when it is not valid. */
function readConfig(set: BotSet, file: string, report: ReloadReport): LoadedConfig | undefined {
  try {
    return loadConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) fail(set, report, "runner", formatProblem(p));
    fail(set, report, "runner", `${file}: not applied; the bots run on as they were`);
    return undefined;
  }
}

/** Whether `name` names the running plugin: its name, or its `use:` as written or resolved. */
function named(p: RunningPlugin, name: string, next: LoadedConfig): boolean {
  if (p.loaded?.name === name || p.entry?.use === name) return true;
  return (
    p.entry !== undefined && !isBuiltin(p.entry.use) && p.entry.use === resolve(next.dir, name)
  );
}

/** The file as messages name it: as it was given (relative to the current folder), else absolute. */
function shown(loaded: LoadedConfig): string {
  const name = fileName(loaded);
  return resolve(name) === loaded.file ? name : loaded.file;
}

function done(set: BotSet, report: ReloadReport, source: string, line: string): void {
  report.done.push(line);
  set.log(source, line);
}

function fail(set: BotSet, report: ReloadReport, source: string, line: string): void {
  report.failed.push(line);
  set.log(source, line, "error");
}
