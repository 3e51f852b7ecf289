/**
 * A plugin module's options, checked against the schema it exports once it
 * is loaded (built-ins are checked with the file), with the same located
 * messages: every issue, at its own line, naming the bot and the plugin.
 */
import type { z } from "zod";
import { schemaProblems } from "./issues.ts";
import type { LoadedConfig } from "./load.ts";
import { ownerSuffix } from "./messages.ts";
import type { ConfigProblem } from "./problems.ts";
import { ConfigSource } from "./source.ts";

/** Where an entry of a loaded file stands in it. */
export interface EntryLocation {
  loaded: LoadedConfig;
  bot: number;
  plugin: number;
}

// Entries are the config's own objects: the runner passes them back as they are.
const locations = new WeakMap<object, EntryLocation>();

/** Remembers where each plugin entry of `loaded` stands, for `entryLocation`. */
export function rememberEntries(loaded: LoadedConfig): void {
  for (const [bot, config] of loaded.config.bots.entries()) {
    for (const [plugin, entry] of config.plugins.entries()) {
      locations.set(entry, { loaded, bot, plugin });
    }
  }
}

/** Where an entry of a file read by `loadConfig` stands; undefined for entries made otherwise. */
export function entryLocation(entry: object): EntryLocation | undefined {
  return locations.get(entry);
}

export interface CheckedOptions {
  /** The options as the schema returns them (defaults applied); undefined with problems. */
  options: unknown;
  /** Empty when the options are valid. */
  problems: ConfigProblem[];
}

/**
 * Checks `bots[bot].plugins[plugin].with` of a loaded file against `schema`.
 * @param name the plugin's name for messages (default: its `use:`)
 */
export function checkPluginOptions(
  loaded: LoadedConfig,
  bot: number,
  plugin: number,
  schema: z.ZodType,
  name?: string,
): CheckedOptions {
  const botConfig = loaded.config.bots[bot];
  const entry = botConfig?.plugins[plugin];
  if (botConfig === undefined || entry === undefined) {
    throw new RangeError(`no plugin bots[${bot}].plugins[${plugin}] in ${loaded.file}`);
  }
  const value = entry.with ?? {};
  const result = schema.safeParse(value);
  if (result.success) return { options: result.data, problems: [] };
  const source = loaded.source ?? ConfigSource.parse("", loaded.file);
  const written = (source.data() as { bots?: { plugins?: { use?: unknown }[] }[] }).bots?.[bot]
    ?.plugins?.[plugin]?.use;
  const pluginName = name ?? (typeof written === "string" ? written : entry.use);
  const owner = {
    suffix: ownerSuffix(pluginName, botConfig.id),
    named: { bot: botConfig.id, plugin: pluginName },
  };
  const prefix = ["bots", bot, "plugins", plugin, "with"];
  return {
    options: undefined,
    problems: schemaProblems(schema, value, source, () => owner, prefix),
  };
}
