/**
 * Runs a configuration: the embedded server if asked, then every bot with
 * its own identity, connection, state and plugins, in one process.
 */
import type { Bot } from "../bot/bot.ts";
import { BotSet, type BotSetOptions, type PreparedBot, prepareBots } from "../config/bots.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { RunningServer, Logger as ServerLogger } from "../server/index.ts";

export type RunnerOptions = BotSetOptions;
export { clockTime, type PreparedBot } from "../config/bots.ts";

export class Runner {
  private server: RunningServer | undefined;
  private stopping: Promise<void> | undefined;
  private readonly bots: BotSet;

  private constructor(
    readonly loaded: LoadedConfig,
    prepared: PreparedBot[],
    options: RunnerOptions,
  ) {
    this.bots = new BotSet(loaded, prepared, options);
  }

  /**
   * A runner for bots whose plugins are loaded already (plugin objects given
   * in code rather than named in a file). `loaded.config.bots` is not read.
   */
  static fromPrepared(
    loaded: LoadedConfig,
    prepared: PreparedBot[],
    options: RunnerOptions = {},
  ): Runner {
    return new Runner(loaded, prepared, options);
  }

  /** Loads every plugin and checks its options; starts nothing. @throws PluginLoadError */
  static async prepare(loaded: LoadedConfig, options: RunnerOptions = {}): Promise<Runner> {
    return new Runner(loaded, await prepareBots(loaded), options);
  }

  /** The server address bots dial (the embedded one's real port once started). */
  get address(): { host: string; port: number } {
    const server = this.loaded.config.server;
    if (this.server !== undefined) return { host: this.server.host, port: this.server.port };
    if ("embedded" in server) return { host: server.embedded.host, port: server.embedded.port };
    return { host: server.host, port: server.port };
  }

  async start(): Promise<void> {
    const config = this.loaded.config;
    if ("embedded" in config.server) {
      const { startServer } = await import("../server/index.ts");
      const embedded = config.server.embedded;
      const serverLog: ServerLogger = {
        log: (level, event, fields) => {
          if (level === "warn" || level === "error") {
            this.bots.log("server", `${level}: ${event} ${JSON.stringify(fields ?? {})}`);
          }
        },
      };
      this.server = await startServer({
        host: embedded.host,
        port: embedded.port,
        domain: embedded.domain,
        history: embedded.history as "memory",
        ...(embedded.admins ? { admins: embedded.admins } : {}),
        ...(embedded.tokens ? { tokens: embedded.tokens } : {}),
        ...(embedded.rate ? { rate: embedded.rate } : {}),
        ...(embedded.burst ? { burst: embedded.burst } : {}),
        ...(embedded.pingInterval ? { pingInterval: embedded.pingInterval } : {}),
        ...(embedded.pingTimeout ? { pingTimeout: embedded.pingTimeout } : {}),
        ...(embedded.motd ? { motd: embedded.motd } : {}),
        log: serverLog,
      }).catch((error: unknown) => {
        const inUse = String((error as { code?: unknown })?.code ?? error).includes("EADDRINUSE");
        throw new Error(
          `the embedded server cannot listen on ${embedded.host}:${embedded.port}` +
            (inUse
              ? " (the port is in use: stop the other server or set server.embedded.port)"
              : ""),
          { cause: error },
        );
      });
      this.bots.log(
        "server",
        `embedded server for ${this.server.domain} listening on ${this.server.host}:${this.server.port}`,
      );
    }
    await this.bots.start(this.address);
    const n = this.bots.list.length;
    this.bots.log("runner", `${n} bot${n === 1 ? "" : "s"} started from ${this.loaded.file}`);
  }

  /** See `BotSet.restart`. */
  restart(bot: Bot, whileStopped?: () => unknown): Promise<Bot> {
    return this.bots.restart(bot, whileStopped);
  }

  /** Stops every bot (in-flight handlers finish, cursors persisted), then the embedded server. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.bots.stop();
      await this.server?.stop();
      this.bots.log("runner", "stopped");
    })();
    return this.stopping;
  }

  get botList(): readonly Bot[] {
    return this.bots.list;
  }
}
