/**
 * The plugins known by name in a configuration's `use:`, as a bot runs
 * them: each module loaded only by a bot that uses it (a bot without a
 * logger never loads the archive, ~5 MB of resident memory), without its
 * options schema (builtins.ts has those), so a bot given checked options
 * runs without zod.
 */
import type { Plugin } from "../bot/index.ts";
import { helpPlugin } from "../bot/index.ts";

type Load = () => Promise<Plugin<unknown>>;
const main = (module: { default: unknown }) => module.default as Plugin<unknown>;

export const BUILTIN_MODULES = {
  logger: (() => import("./logger/plugin.ts").then(main)) as Load,
  echo: (() => import("./echo/plugin.ts").then(main)) as Load,
  help: (async () => helpPlugin as Plugin<unknown>) as Load,
  responders: (() => import("./responders/plugin.ts").then(main)) as Load,
  scheduler: (() => import("./scheduler/plugin.ts").then(main)) as Load,
  github: (() => import("./github/plugin.ts").then(main)) as Load,
  reload: (() => import("./reload/plugin.ts").then(main)) as Load,
} as const;

export type BuiltinName = keyof typeof BUILTIN_MODULES;

export function isBuiltin(name: string): name is BuiltinName {
  return Object.hasOwn(BUILTIN_MODULES, name);
}
