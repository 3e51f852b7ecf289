/**
 * How the bot-side commands end: the exit statuses (docs/cli.md lists
 * them), and loading a configuration with every problem printed at once.
 */

import { type PreparedBot, prepareBots } from "../config/bots.ts";
import { ConfigError, type LoadedConfig, loadConfig } from "../config/load.ts";
import { checkPlugins } from "../config/plugins.ts";
import { formatProblem, formatWarning } from "../config/problems.ts";

export const EXIT = {
  /** Stopped by SIGINT or SIGTERM. */
  ok: 0,
  /** Could not start (the embedded server's address or history file), or a send failed. */
  failed: 1,
  /** A usage or configuration error: bad flags, an invalid file, a plugin that does not load or set up. */
  config: 2,
  /** Every bot gave up reconnecting (`reconnect.maxAttempts`): nothing is left running. */
  gaveUp: 3,
} as const;

/** A usage or configuration error: printed to stderr, exit status 2. */
export function usageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.config);
}

/** A run-time failure: printed to stderr, exit status 1. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.failed);
}

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
  for (const warning of loaded.warnings ?? []) process.stderr.write(`${formatWarning(warning)}\n`);
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
