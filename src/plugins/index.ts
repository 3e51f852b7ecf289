/**
 * `scalarbot/plugins`: the built-in plugins, each written against the
 * public bot API as a user's plugin would be, and that API itself (so a
 * plugin file needs one import: `definePlugin`, its types and `z` for an
 * options schema).
 */
export { z } from "zod";
export * from "../bot/index.ts";
export { BUILTIN_PLUGINS, type BuiltinName, isBuiltin } from "./builtins.ts";
export { default as echo, echoOptions } from "./echo.ts";
export { default as logger, JsonlLog, loggerOptions } from "./logger.ts";
export { default as responders, respondersOptions } from "./responders.ts";
export { default as scheduler, schedulerOptions } from "./scheduler.ts";
