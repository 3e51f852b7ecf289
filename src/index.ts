/**
 * scalarbot's public API.
 *
 * Commonly used: `definePlugin` to write a plugin, `Runner` to run a
 * configuration, `startServer` for a Scalar server in-process.
 * The protocol library is its own entry, `scalarbot/protocol`.
 */

export * from "./bot/api.ts";
export { Bot, type BotOptions } from "./bot/bot.ts";
export { Runner, type RunnerOptions } from "./cli/runner.ts";
export type { Status } from "./client/status.ts";
export { type LoadedConfig, loadConfig } from "./config/load.ts";
export { type RunningServer, type ServerOptions, startServer } from "./server/index.ts";
