/**
 * scalarbot's public API.
 *
 * Commonly used: `definePlugin` to write a plugin, `Runner` to run a
 * configuration, `startServer` for a Scalar server in-process.
 * The protocol library is its own entry, `scalarbot/protocol`.
 */
export { type LoadedConfig, loadConfig } from "./config/load.ts";
export * from "./plugins/api.ts";
export { Bot, type BotOptions } from "./runtime/bot.ts";
export { Runner, type RunnerOptions } from "./runtime/runner.ts";
export type { Status } from "./runtime/status.ts";
export { type RunningServer, type ServerOptions, startServer } from "./server/index.ts";
