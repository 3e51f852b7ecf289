/**
 * A configuration's `plugins:` entries loaded: a built-in by name, or a
 * module by path (see `loadPlugin` in the bot layer for what a module may
 * export).
 */

import type { Plugin } from "../bot/api.ts";
import { type LoadedPlugin, loadPlugin, type PluginEntry } from "../bot/loader.ts";
import { BUILTIN_PLUGINS } from "../plugins/builtins.ts";

const builtins: Record<string, Plugin<unknown>> = Object.fromEntries(
  Object.entries(BUILTIN_PLUGINS).map(([name, { plugin }]) => [name, plugin]),
);

/** Loads one entry with its options checked. @throws PluginLoadError */
export function loadConfiguredPlugin(entry: PluginEntry, where: string): Promise<LoadedPlugin> {
  return loadPlugin(entry, where, builtins);
}
