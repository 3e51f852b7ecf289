/**
 * Runs a configuration: the embedded server if asked, then every bot with
 * its own identity, connection, state and plugins, in one process. What a
 * run may never need (the server, the HTTP listener, the reload modules
 * with the configuration's schema and YAML) is loaded when it is.
 */
import type { Bot } from "../bot/bot.ts";
import type { ReloadReport } from "../bot/reload.ts";
import {
  BotSet,
  type BotSetOptions,
  type PreparedBot,
  prepareBots,
  watchedFiles,
} from "../config/bots.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { LogLevel } from "../config/log.ts";
import type { Config } from "../config/schema.ts";
import type { HttpListener, Metrics } from "../http/index.ts";
import type { RunningServer, Logger as ServerLogger, ServerOptions } from "../server/index.ts";

export type RunnerOptions = BotSetOptions;
type Embedded = Extract<Config["server"], { embedded: unknown }>["embedded"];

export { clockTime, type PreparedBot } from "../config/bots.ts";

export class Runner {
  private server: RunningServer | undefined;
  private stopping: Promise<void> | undefined;
  private readonly bots: BotSet;
  private http: { listener: HttpListener; metrics: Metrics } | undefined;

  private constructor(
    readonly loaded: LoadedConfig,
    prepared: PreparedBot[],
    options: RunnerOptions,
  ) {
    this.bots = new BotSet(loaded, prepared, {
      ...options,
      onBot: (bot, config) => {
        // Before it starts, so the metrics see its first status; a restarted one continues the series.
        this.http?.metrics.attach(bot, config.id);
        options.onBot?.(bot, config);
      },
    });
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

  /**
   * Starts the embedded server if the file asks for one, then every bot.
   * @throws PluginSetupError when a plugin's `setup` fails (the server is stopped again)
   */
  async start(): Promise<void> {
    const config = this.loaded.config;
    if ("embedded" in config.server) this.server = await this.startEmbedded(config.server.embedded);
    if (config.http !== undefined) this.http = await this.startHttp(config.http);
    await this.bots.start(this.address);
    const n = this.bots.list.length;
    this.bots.log("runner", `${n} bot${n === 1 ? "" : "s"} started from ${this.loaded.file}`);
  }

  private async startEmbedded(embedded: Embedded): Promise<RunningServer> {
    const [{ startServer }, { describeStartError, makeHistoryFolder }] = await Promise.all([
      import("../server/index.ts"),
      import("../server/start-errors.ts"),
    ]);
    const serverLog: ServerLogger = {
      log: (level, event, fields) => {
        // The server's own info lines (connections, identifies) are debug lines here.
        const shown = level === "warn" || level === "error" ? level : "debug";
        this.bots.log("server", `${event} ${JSON.stringify(fields ?? {})}`, shown);
      },
    };
    const history = embedded.history as ServerOptions["history"];
    const failed = (error: unknown): never => {
      const why = describeStartError(error, { ...embedded, history }, "server.embedded.port");
      throw new Error(`the embedded server ${why}`, { cause: error });
    };
    try {
      // Made as bots' state folders are: a fresh checkout has no data/ yet.
      makeHistoryFolder(history);
    } catch (error) {
      failed(error);
    }
    const server = await startServer({
      host: embedded.host,
      port: embedded.port,
      domain: embedded.domain,
      history,
      ...(embedded.admins ? { admins: embedded.admins } : {}),
      ...(embedded.tokens ? { tokens: embedded.tokens } : {}),
      ...(embedded.rate ? { rate: embedded.rate } : {}),
      ...(embedded.burst ? { burst: embedded.burst } : {}),
      ...(embedded.pingInterval ? { pingInterval: embedded.pingInterval } : {}),
      ...(embedded.pingTimeout ? { pingTimeout: embedded.pingTimeout } : {}),
      ...(embedded.motd ? { motd: embedded.motd } : {}),
      log: serverLog,
    }).catch(failed);
    this.bots.log(
      "server",
      `embedded server for ${server.domain} listening on ${server.host}:${server.port}`,
    );
    return server;
  }

  /** The `http` listener: health, readiness, metrics, plugin routes (docs/operations.md). */
  private async startHttp(http: NonNullable<Config["http"]>) {
    const { Metrics, startHttp } = await import("../http/index.ts");
    const metrics = new Metrics();
    const bots = () => this.bots.list;
    const listener = startHttp({ host: http.host, port: http.port, bots, metrics });
    this.bots.log(
      "http",
      `listening on ${listener.url} (/healthz, /readyz, /metrics, /bots/<id>/…)`,
    );
    return { listener, metrics };
  }

  /** The `http` listener's address, when there is one. */
  get httpAddress(): { host: string; port: number; url: string } | undefined {
    const listener = this.http?.listener;
    return listener && { host: listener.host, port: listener.port, url: listener.url };
  }

  /** See `BotSet.restart`. */
  restart(bot: Bot, whileStopped?: () => unknown): Promise<Bot> {
    return this.bots.restart(bot, whileStopped);
  }

  /** The configuration file and every plugin module's own files (what `--watch` follows). */
  watchedFiles(): string[] {
    return watchedFiles(this.bots);
  }

  /** Plugins whose module files changed, reloaded in place (see config/reload.ts). */
  async reloadFiles(changed: readonly string[]): Promise<ReloadReport> {
    return (await import("../config/reload.ts")).reloadFiles(this.bots, changed);
  }

  /** The configuration file read again and applied in place (see config/reload.ts). */
  async reloadConfig(): Promise<ReloadReport> {
    return (await import("../config/reload.ts")).reloadConfigFile(this.bots);
  }

  /** Stops every bot (in-flight handlers finish, cursors persisted), then the embedded server. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.bots.stop();
      await this.server?.stop();
      // Last: until here /readyz says the bots are stopping.
      await this.http?.listener.stop();
      this.bots.log("runner", "stopped");
    })();
    return this.stopping;
  }

  /** One line from the runner. */
  log(message: string, level: LogLevel = "info"): void {
    this.bots.log("runner", message, level);
  }

  get botList(): readonly Bot[] {
    return this.bots.list;
  }
}
