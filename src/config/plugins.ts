/**
 * A configuration's `plugins:` entries loaded: a built-in by name, or a
 * module by path (see `loadPlugin` in the bot layer for what a module may
 * export). An entry that came from `loadConfig` has its module's options
 * checked with located messages (file:line, bot and plugin), like the
 * built-ins' options are when the file is read.
 */
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import type { Plugin } from "../bot/api.ts";
import { type LoadedPlugin, loadPlugin, type PluginEntry, PluginLoadError } from "../bot/loader.ts";
import { BUILTIN_PLUGINS, type BuiltinName, isBuiltin } from "../plugins/builtins.ts";
import type { LoadedConfig } from "./load.ts";
import { fileName, useLine, writtenUse } from "./places.ts";
import { checkPluginOptions, entryLocation } from "./plugin-options.ts";
import { type ConfigProblem, formatProblem } from "./problems.ts";

/** A plugin module's options do not match its schema; `problems` are located in the file. */
export class PluginOptionsError extends PluginLoadError {
  /** As ConfigError's: a configuration problem (exit status 2). */
  readonly code = "config_invalid";
  constructor(
    where: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(where, "invalid options");
    this.message = problems.map(formatProblem).join("\n");
  }
}

/**
 * Loads one entry with its options checked.
 * @throws PluginOptionsError (located) or PluginLoadError
 */
export async function loadConfiguredPlugin(
  entry: PluginEntry,
  where: string,
): Promise<LoadedPlugin> {
  const at = entryLocation(entry);
  if (at !== undefined && !isBuiltin(entry.use)) {
    const schema = await moduleOptions(entry.use);
    if (schema !== undefined) {
      const { problems } = checkPluginOptions(at.loaded, at.bot, at.plugin, schema);
      if (problems.length > 0) throw new PluginOptionsError(`${where}.with`, problems);
    }
  }
  // A built-in's module loads only when a bot uses it, without its schema (plugins/builtins.ts).
  const named = isBuiltin(entry.use) ? { [entry.use]: await builtinWithOptions(entry.use) } : {};
  return loadPlugin(entry, where, named);
}

/** A built-in plugin with its options schema, so `loadPlugin` applies its defaults. */
async function builtinWithOptions(name: BuiltinName): Promise<Plugin<unknown>> {
  const builtin = BUILTIN_PLUGINS[name];
  return { ...(await builtin.load()), options: builtin.options as Plugin<unknown>["options"] };
}

/**
 * The options schema a module exports, as `loadPlugin` finds it: on a
 * default-exported plugin object, or a named `options` beside `setup`.
 * Undefined when the module does not load (`loadPlugin` then says why).
 */
async function moduleOptions(path: string): Promise<z.ZodType | undefined> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch {
    return undefined;
  }
  const candidate = module.default as { setup?: unknown; options?: unknown } | undefined;
  let schema: unknown;
  if (typeof candidate === "function") schema = undefined;
  else if (typeof candidate?.setup === "function") schema = candidate.options;
  else if (typeof module.setup === "function") schema = module.options;
  return isSchema(schema) ? schema : undefined;
}

function isSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { safeParse?: unknown }).safeParse === "function"
  );
}

/**
 * Loads every plugin of a file read by `loadConfig` and returns every
 * problem found, located: each module that cannot be loaded or exports no
 * plugin, and each wrong option of every module (built-ins' options were
 * checked with the file). Starts nothing, runs no `setup`.
 */
export async function checkPlugins(loaded: LoadedConfig): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  for (const [i, bot] of loaded.config.bots.entries()) {
    for (const [j, entry] of bot.plugins.entries()) {
      try {
        await loadConfiguredPlugin(entry, `bots[${i}].plugins[${j}]`);
      } catch (error) {
        const found = loadProblems(loaded, i, j, bot.id, entry, error);
        if (found === undefined) throw error;
        problems.push(...found);
      }
    }
  }
  return problems;
}

/**
 * What `loadConfiguredPlugin` threw for plugin `j` of bot `i` of `loaded`,
 * as located problems; undefined for anything else than a load failure.
 */
export function loadProblems(
  loaded: LoadedConfig,
  i: number,
  j: number,
  bot: string,
  entry: PluginEntry,
  error: unknown,
): ConfigProblem[] | undefined {
  if (error instanceof PluginOptionsError) return [...error.problems];
  if (!(error instanceof PluginLoadError)) return undefined;
  const written = writtenUse(loaded, i, j);
  return [
    {
      code: "plugin_unloadable",
      file: fileName(loaded),
      line: useLine(loaded, i, j),
      path: error.where,
      message: error.message.slice(error.where.length + 2),
      bot,
      plugin: String(written ?? entry.use),
    },
  ];
}
