/**
 * Plugins known by name in a configuration's `use:`: each one's option
 * schema, which the configuration checks for every bot, and its module,
 * loaded only by a bot that uses it (a bot without a logger never loads the
 * archive, ~5 MB of resident memory).
 */
import type { Plugin } from "../bot/index.ts";
import { helpOptions, helpPlugin } from "../bot/index.ts";
import { echoOptions } from "./echo.ts";
import { githubOptions } from "./github.ts";
import { loggerOptions } from "./logger/options.ts";
import { reloadOptions } from "./reload.ts";
import { respondersOptions } from "./responders.ts";
import { schedulerOptions } from "./scheduler.ts";

type Load = () => Promise<Plugin<unknown>>;
const main = (module: { default: unknown }) => module.default as Plugin<unknown>;

export const BUILTIN_PLUGINS = {
  logger: { options: loggerOptions, load: (() => import("./logger.ts").then(main)) as Load },
  echo: { options: echoOptions, load: (() => import("./echo.ts").then(main)) as Load },
  help: { options: helpOptions, load: (async () => helpPlugin as Plugin<unknown>) as Load },
  responders: {
    options: respondersOptions,
    load: (() => import("./responders.ts").then(main)) as Load,
  },
  scheduler: {
    options: schedulerOptions,
    load: (() => import("./scheduler.ts").then(main)) as Load,
  },
  github: { options: githubOptions, load: (() => import("./github.ts").then(main)) as Load },
  reload: { options: reloadOptions, load: (() => import("./reload.ts").then(main)) as Load },
} as const;

export type BuiltinName = keyof typeof BUILTIN_PLUGINS;

export function isBuiltin(name: string): name is BuiltinName {
  return Object.hasOwn(BUILTIN_PLUGINS, name);
}
