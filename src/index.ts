/**
 * scalarbot's public API: the bot layer.
 *
 * Commonly used: `definePlugin` to write a plugin, `Bot` for a bot in code,
 * `Runner` to run a configuration, `startServer` for a Scalar server
 * in-process. Other entries: `scalarbot/plugins` (the built-ins, zod's `z`,
 * and this API again), `scalarbot/client` (a plain Scalar client),
 * `scalarbot/testing`, `scalarbot/protocol`, `scalarbot/server`.
 *
 * A plugin module imports this entry into a bot's process, so importing it
 * costs only the bot layer: the configuration checker (zod, the YAML
 * parser, the schema: ~14 MB resident) and the server load when
 * `loadConfig` or `startServer` is first called.
 */
import type * as ConfigLoad from "./config/load.ts";
import type * as Server from "./server/index.ts";

export * from "./bot/index.ts";
export { Runner, type RunnerOptions } from "./cli/runner.ts";
export type { Status } from "./client/status.ts";
export type { LoadedConfig } from "./config/load.ts";
export type { RunningServer, ServerOptions } from "./server/index.ts";

/**
 * Reads and validates a configuration file, plugin modules included.
 *
 * @throws ConfigError naming each problem's file, line and key.
 */
export function loadConfig(
  path: string,
  env: Record<string, string | undefined> = process.env,
): ConfigLoad.LoadedConfig {
  // `require`: the call is synchronous, and so must its first load be.
  return (require("./config/load.ts") as typeof ConfigLoad).loadConfig(path, env);
}

/**
 * Starts a Scalar v1 server in this process.
 *
 * @example
 * const server = await startServer({ port: 0, domain: "example.com" });
 * console.log(`listening on ${server.host}:${server.port}`);
 * await server.stop();
 */
export async function startServer(
  options: Server.ServerOptions = {},
): Promise<Server.RunningServer> {
  const server: typeof Server = await import("./server/index.ts");
  return server.startServer(options);
}
