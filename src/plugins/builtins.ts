/**
 * Plugins known by name in a configuration's `use:`: each one's option
 * schema, which the configuration checks for every bot, and its module
 * (builtin-modules.ts: loaded only by a bot that uses it, without zod).
 */
import type { z } from "zod";
import { BUILTIN_MODULES, type BuiltinName } from "./builtin-modules.ts";
import { echoOptions } from "./echo/options.ts";
import { githubOptions } from "./github/options.ts";
import { helpOptions } from "./help-options.ts";
import { loggerOptions } from "./logger/options.ts";
import { reloadOptions } from "./reload/options.ts";
import { respondersOptions } from "./responders/options.ts";
import { schedulerOptions } from "./scheduler/options.ts";

export { type BuiltinName, isBuiltin } from "./builtin-modules.ts";

const { logger, echo, help, responders, scheduler, github, reload } = BUILTIN_MODULES;

export const BUILTIN_PLUGINS = {
  logger: { options: loggerOptions, load: logger },
  echo: { options: echoOptions, load: echo },
  help: { options: helpOptions, load: help },
  responders: { options: respondersOptions, load: responders },
  scheduler: { options: schedulerOptions, load: scheduler },
  github: { options: githubOptions, load: github },
  reload: { options: reloadOptions, load: reload },
} as const satisfies Record<BuiltinName, { options: z.ZodType; load: unknown }>;
