/**
 * How the bot-side commands end: the exit statuses (exit-status.ts), and
 * loading a configuration with every problem printed at once.
 */

import { type PreparedBot, prepareBots } from "../config/bots.ts";
import { ConfigError, type LoadedConfig, loadConfig } from "../config/load.ts";
import { checkPlugins } from "../config/plugins.ts";
import { formatProblem, formatWarning } from "../config/problems.ts";
import { usageError, writeErr } from "./exit-status.ts";

export { EXIT, fail, usageError } from "./exit-status.ts";

export interface Prepared {
  loaded: LoadedConfig;
  prepared: PreparedBot[];
}

/** Loads a configuration, or prints every problem and exits 2; warnings go to stderr. */
export function loadOrExit(path: string): LoadedConfig {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) usageError(error.message);
    throw error;
  }
  for (const warning of loaded.warnings ?? []) writeErr(`${formatWarning(warning)}\n`);
  return loaded;
}

/**
 * Loads a configuration and every plugin it names (options checked); on
 * any problem prints them all, one a line, and exits 2.
 */
export async function prepare(path: string): Promise<Prepared> {
  const loaded = loadOrExit(path);
  const problems = await checkPlugins(loaded);
  if (problems.length > 0) usageError(problems.map(formatProblem).join("\n"));
  return { loaded, prepared: await prepareBots(loaded) };
}
