/**
 * The bot layer: a bot is a client (one live connection, gap-free topics)
 * plus a plugin host — the plugin API (`definePlugin`, contexts), the
 * middleware chain, commands and `!help`, cooldowns and permissions,
 * stores, schedules, checkpoints and plugin loading. This index is its
 * public API: what built-in and user plugins import.
 */
export * from "./api.ts";
export { Bot, type BotOptions } from "./bot.ts";
export { HandlerError } from "./errors.ts";
export { default as helpPlugin, HELP_DEFAULTS, type HelpOptions } from "./help.ts";
export { type LoadedPlugin, loadPlugin, type PluginEntry, PluginLoadError } from "./loader.ts";
export { type ReloadReport, reloadPlugins } from "./reload.ts";
