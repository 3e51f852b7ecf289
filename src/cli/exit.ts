import { PluginLoadError } from "../bot/loader.ts";
import { ConfigError, type LoadedConfig, loadConfig } from "../config/load.ts";
import { Runner } from "./runner.ts";

/** A usage or configuration error: printed to stderr, exit status 2. */
export function usageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** A run-time failure: printed to stderr, exit status 1. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Loads a configuration and its plugins, or prints every problem and exits 2. */
export async function prepare(path: string): Promise<Runner> {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) usageError(error.message);
    throw error;
  }
  try {
    return await Runner.prepare(loaded);
  } catch (error) {
    if (error instanceof PluginLoadError) usageError(`${path}: ${error.message}`);
    throw error;
  }
}
