import type { Plugin } from "../bot/index.ts";
import { helpPlugin as help, helpOptions } from "../bot/index.ts";
import echo, { echoOptions } from "./echo.ts";
import github, { githubOptions } from "./github.ts";
import logger, { loggerOptions } from "./logger.ts";
import responders, { respondersOptions } from "./responders.ts";
import scheduler, { schedulerOptions } from "./scheduler.ts";

/** Plugins known by name in a configuration's `use:`, with their option schemas. */
export const BUILTIN_PLUGINS = {
  logger: { plugin: logger as Plugin<unknown>, options: loggerOptions },
  echo: { plugin: echo as Plugin<unknown>, options: echoOptions },
  help: { plugin: help as Plugin<unknown>, options: helpOptions },
  responders: { plugin: responders as Plugin<unknown>, options: respondersOptions },
  scheduler: { plugin: scheduler as Plugin<unknown>, options: schedulerOptions },
  github: { plugin: github as Plugin<unknown>, options: githubOptions },
} as const;

export type BuiltinName = keyof typeof BUILTIN_PLUGINS;

export function isBuiltin(name: string): name is BuiltinName {
  return Object.hasOwn(BUILTIN_PLUGINS, name);
}
