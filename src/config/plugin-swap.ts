/**
 * One running bot's plugins brought to what its configuration now says,
 * in one `Bot.changePlugins`: each plugin kept, loaded again (new code,
 * new options) and swapped in place, added or removed. Everything is
 * loaded and checked before the bot pauses; a plugin that fails to load
 * or to set up leaves its running version in place, and the failure is
 * reported in the located formats of `scalar run` (file:line of the
 * configuration and of the plugin's source).
 */
import type { BotApi } from "../bot/api.ts";
import type { Bot } from "../bot/bot.ts";
import type { LoadedPlugin } from "../bot/loader.ts";
import { moduleGraph } from "../bot/module-graph.ts";
import type { PluginSpec, ReloadReport } from "../bot/reload.ts";
import { isBuiltin } from "../plugins/builtins.ts";
import type { LoadedConfig } from "./load.ts";
import { entryLocation } from "./plugin-options.ts";
import { loadConfiguredPlugin, loadProblems } from "./plugins.ts";
import { type ConfigProblem, formatProblem } from "./problems.ts";
import type { BotConfig, PluginEntry } from "./schema.ts";
import { describeSetupFailure } from "./setup-problems.ts";

/** A plugin of a running bot, as the bot set keeps it. */
export interface RunningPlugin {
  /** Its configuration entry; undefined for a plugin given in code (not reloadable). */
  entry: PluginEntry | undefined;
  /** What was last loaded for it: what runs while `view` is set. */
  loaded: LoadedPlugin | undefined;
  /** Its view on the bot, while it runs. */
  view: BotApi | undefined;
  /** The files whose change reloads it: its module's, as last read. */
  files: string[];
}

/** A running bot of the set, and the configuration it runs. */
export interface BotSlot {
  bot: Bot;
  /** The file its configuration came from: its problems are located there. */
  loaded: LoadedConfig;
  config: BotConfig;
  /** Its place in that file's `bots`. */
  index: number;
  /** One per plugin, in order (`config.plugins` lines up, for bots read from a file). */
  plugins: RunningPlugin[];
}

/** What one plugin of the bot becomes. */
export type Target =
  /** Runs on as it is (its entry, from the new file, replaces the old one). */
  | { type: "keep"; running: RunningPlugin; entry: PluginEntry | undefined }
  /** Loaded from `entry` and set up in place of `running` (or added, without it). */
  | { type: "load"; running: RunningPlugin | undefined; entry: PluginEntry };

/** What the set gives a swap: where messages go, and how a plugin's log is named. */
export interface SwapHost {
  logFor(bot: string, plugin?: string): BotApi["log"];
  /** Logs what changed (info) and what failed (error) for `bot`. */
  note(bot: string, plugin: string | undefined, line: string, failed?: boolean): void;
}

/** The plugin's name as messages give it: its name once loaded, else its `use:`. */
export function pluginName(running: Partial<Pick<RunningPlugin, "entry" | "loaded">>): string {
  return running.loaded?.name ?? running.entry?.use ?? "plugin";
}

/**
 * Brings `slot`'s bot to `targets` (in the new order) and releases
 * `removed`, then makes `slot` say so (`next`: the file and place it now
 * comes from). Modules to read afresh must have been forgotten already.
 */
export async function swapPlugins(
  host: SwapHost,
  slot: BotSlot,
  targets: readonly Target[],
  removed: readonly RunningPlugin[],
  next: { loaded: LoadedConfig; config: BotConfig; index: number },
  report: ReloadReport,
): Promise<void> {
  const id = slot.bot.id;
  const problem = (running: Partial<RunningPlugin>, lines: string[]) => {
    const name = pluginName(running);
    for (const line of lines) note(name, line, true);
    note(
      name,
      running.view === undefined
        ? `plugin ${name} is not running`
        : `plugin ${name} runs on as it was`,
      true,
    );
  };
  const note = (plugin: string | undefined, line: string, failed = false) => {
    (failed ? report.failed : report.done).push(line);
    host.note(id, plugin, line, failed);
  };
  // Loaded and checked before the bot pauses.
  const loads = await Promise.all(
    targets.map((t, k) =>
      t.type === "load" ? load(placeOf(next, t.entry, k), t.entry) : undefined,
    ),
  );
  const result: RunningPlugin[] = [];
  await slot.bot.changePlugins(async (edit) => {
    for (const r of removed) {
      if (r.view !== undefined) await edit.remove(r.view);
      note(pluginName(r), `plugin ${pluginName(r)} released`);
    }
    for (const [k, target] of targets.entries()) {
      if (target.type === "keep") {
        result.push({ ...target.running, entry: target.entry });
        continue;
      }
      const running = target.running;
      const outcome = loads[k]!;
      if ("problems" in outcome) {
        const kept: RunningPlugin = {
          entry: target.entry,
          loaded: running?.loaded,
          view: running?.view,
          files: outcome.files,
        };
        result.push(kept);
        problem(kept, outcome.problems.map(formatProblem));
        continue;
      }
      const fresh = outcome.plugin;
      const files = fresh.files ?? [];
      const spec = specOf(host, id, fresh);
      if (running?.view !== undefined && running.loaded !== undefined) {
        const swapped = await edit.replace(running.view, spec, specOf(host, id, running.loaded));
        if (swapped.error === undefined) {
          result.push({ entry: target.entry, loaded: fresh, view: swapped.view, files });
          note(fresh.name, `plugin ${fresh.name} reloaded`);
        } else {
          const kept = { ...running, view: swapped.view };
          result.push({ ...kept, entry: target.entry, files });
          problem(kept, [setupLine(slot, next, targets, k, fresh, swapped.error)]);
        }
        continue;
      }
      const before = targets.slice(k + 1).find((t) => t.running?.view !== undefined);
      try {
        const view = await edit.add(spec, before?.running?.view);
        result.push({ entry: target.entry, loaded: fresh, view, files });
        note(fresh.name, `plugin ${fresh.name} set up`);
      } catch (error) {
        result.push({ entry: target.entry, loaded: fresh, view: undefined, files });
        problem({ loaded: fresh }, [setupLine(slot, next, targets, k, fresh, error)]);
      }
    }
  });
  slot.plugins = result;
  slot.loaded = next.loaded;
  slot.config = next.config;
  slot.index = next.index;
}

type Load = { plugin: LoadedPlugin } | { problems: ConfigProblem[]; files: string[] };

/** Where an entry stands: in the file it was read from, else plugin `k` of the bot of `next`. */
interface Place {
  loaded: LoadedConfig;
  bot: number;
  plugin: number;
  id: string;
}

function placeOf(
  next: { loaded: LoadedConfig; config: BotConfig; index: number },
  entry: PluginEntry | undefined,
  k: number,
): Place {
  const at = entry === undefined ? undefined : entryLocation(entry);
  const id = next.config.id;
  return at === undefined ? { loaded: next.loaded, bot: next.index, plugin: k, id } : { ...at, id };
}

/** Loads an entry, options checked, failures located. */
async function load(place: Place, entry: PluginEntry): Promise<Load> {
  try {
    return {
      plugin: await loadConfiguredPlugin(entry, `bots[${place.bot}].plugins[${place.plugin}]`),
    };
  } catch (error) {
    const problems = loadProblems(place.loaded, place.bot, place.plugin, place.id, entry, error);
    if (problems === undefined) throw error;
    return { problems, files: isBuiltin(entry.use) ? [] : moduleGraph(entry.use) };
  }
}

function specOf(host: SwapHost, id: string, plugin: LoadedPlugin): PluginSpec {
  return {
    name: plugin.name,
    log: host.logFor(id, plugin.name),
    setup: (view) => plugin.plugin.setup(view, plugin.options),
  };
}

/** A failed setup, as `scalar run` prints it: the entry's line and the source's. */
function setupLine(
  slot: BotSlot,
  next: { loaded: LoadedConfig; config: BotConfig; index: number },
  targets: readonly Target[],
  k: number,
  fresh: LoadedPlugin,
  error: unknown,
): string {
  const entry = targets[k]!.entry;
  const place = placeOf(next, entry, k);
  // The plugins of the entry's bot in its file, as far as they are loaded.
  const entries = place.loaded.config.bots[place.bot]?.plugins ?? [];
  const plugins = entries.map(
    (e) =>
      (e === entry ? fresh : targets.find((t) => t.entry === e)?.running?.loaded) ?? {
        name: e.use,
        plugin: { setup() {} },
        options: {},
      },
  );
  plugins[place.plugin] = fresh;
  const site = {
    loaded: place.loaded,
    botIndex: place.bot,
    botId: slot.bot.id,
    plugins,
    prefix: slot.bot.prefix,
  };
  return formatProblem(describeSetupFailure(site, place.plugin, error));
}
