/**
 * scalarbot's public API: the bot layer.
 *
 * Commonly used: `definePlugin` to write a plugin, `Bot` for a bot in code,
 * `Runner` to run a configuration, `startServer` for a Scalar server
 * in-process. Other entries: `scalarbot/plugins` (the built-ins, and this
 * API again), `scalarbot/client` (a plain Scalar client),
 * `scalarbot/testing`, `scalarbot/protocol`, `scalarbot/server`.
 */
export * from "./bot/index.ts";
export { Runner, type RunnerOptions } from "./cli/runner.ts";
export type { Status } from "./client/status.ts";
export { type LoadedConfig, loadConfig } from "./config/load.ts";
// The bot layer runs its help without zod; the schema is the plugins layer's.
export { helpOptions } from "./plugins/help-options.ts";
export { type RunningServer, type ServerOptions, startServer } from "./server/index.ts";
