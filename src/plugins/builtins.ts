import type { Plugin } from "./api.ts";
import echo, { echoOptions } from "./echo.ts";
import logger, { loggerOptions } from "./logger.ts";

/** Plugins known by name in a configuration's `use:`, with their option schemas. */
export const BUILTIN_PLUGINS = {
  logger: { plugin: logger as Plugin<unknown>, options: loggerOptions },
  echo: { plugin: echo as Plugin<unknown>, options: echoOptions },
} as const;

export type BuiltinName = keyof typeof BUILTIN_PLUGINS;

export function isBuiltin(name: string): name is BuiltinName {
  return Object.hasOwn(BUILTIN_PLUGINS, name);
}
