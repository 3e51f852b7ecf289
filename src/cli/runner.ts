/**
 * Runs a configuration: the embedded server if asked, then every bot with
 * its own identity, connection, state and plugins, in one process.
 */

import type { Log } from "../bot/api.ts";
import { Bot } from "../bot/bot.ts";
import type { LoadedPlugin } from "../bot/loader.ts";
import type { Clock } from "../client/clock.ts";
import { SqliteCursorStore } from "../client/cursor-store.ts";
import { describeCause } from "../client/errors.ts";
import { describeStatus } from "../client/status.ts";
import { tcpDialer } from "../client/tcp-transport.ts";
import type { Dialer } from "../client/transport.ts";
import type { LoadedConfig } from "../config/load.ts";
import { loadConfiguredPlugin } from "../config/plugins.ts";
import type { BotConfig } from "../config/schema.ts";
import type { RunningServer, Logger as ServerLogger } from "../server/index.ts";

export interface RunnerOptions {
  /** Where log lines go (default: stdout). */
  write?: (line: string) => void;
  /**
   * Makes the dialer of one bot (default: `tcpDialer(host, port)`). The test
   * harness wraps the TCP dialer here to watch and cut a bot's link.
   */
  dialer?: (host: string, port: number, bot: BotConfig) => Dialer;
  /** Called with each bot after its plugins are set up, before it starts (also on a restart). */
  onBot?: (bot: Bot, config: BotConfig) => void;
  /** Called with every error a bot reports, after it is logged. */
  onError?: (error: Error, bot: Bot) => void;
  /** Time for plugins (`every` schedules, cooldowns); the connection keeps the system clock. */
  pluginClock?: Clock;
}

/** A bot's configuration with its plugins loaded and their options checked. */
export interface PreparedBot {
  config: BotConfig;
  plugins: LoadedPlugin[];
}

/** `HH:MM:SS` of a date in local time, for log lines. */
export function clockTime(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}

export class Runner {
  private readonly bots: Bot[] = [];
  private server: RunningServer | undefined;
  private stopping: Promise<void> | undefined;
  private readonly write: (line: string) => void;

  private constructor(
    readonly loaded: LoadedConfig,
    private readonly prepared: PreparedBot[],
    private readonly options: RunnerOptions,
  ) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
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
    const prepared: PreparedBot[] = [];
    for (const [i, config] of loaded.config.bots.entries()) {
      const plugins: LoadedPlugin[] = [];
      for (const [j, entry] of config.plugins.entries()) {
        plugins.push(await loadConfiguredPlugin(entry, `bots[${i}].plugins[${j}]`));
      }
      prepared.push({ config, plugins });
    }
    return new Runner(loaded, prepared, options);
  }

  /** The server address bots dial (the embedded one's real port once started). */
  get address(): { host: string; port: number } {
    const server = this.loaded.config.server;
    if (this.server !== undefined) return { host: this.server.host, port: this.server.port };
    if ("embedded" in server) return { host: server.embedded.host, port: server.embedded.port };
    return { host: server.host, port: server.port };
  }

  private log(source: string, message: string): void {
    this.write(`${clockTime()} ${source}: ${message}`);
  }

  private logFor(source: string): Log {
    return {
      info: (m) => this.log(source, m),
      warn: (m) => this.log(source, `warning: ${m}`),
      error: (m) => this.log(source, `error: ${m}`),
    };
  }

  async start(): Promise<void> {
    const config = this.loaded.config;
    if ("embedded" in config.server) {
      const { startServer } = await import("../server/index.ts");
      const embedded = config.server.embedded;
      const serverLog: ServerLogger = {
        log: (level, event, fields) => {
          if (level === "warn" || level === "error") {
            this.log("server", `${level}: ${event} ${JSON.stringify(fields ?? {})}`);
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
      this.log(
        "server",
        `embedded server for ${this.server.domain} listening on ${this.server.host}:${this.server.port}`,
      );
    }
    for (const prepared of this.prepared) this.bots.push(await this.createBot(prepared));
    for (const bot of this.bots) bot.start();
    this.log(
      "runner",
      `${this.bots.length} bot${this.bots.length === 1 ? "" : "s"} started from ${this.loaded.file}`,
    );
  }

  /** Builds one bot and sets up its plugins; does not start it. */
  private async createBot({ config: c, plugins }: PreparedBot): Promise<Bot> {
    const { host, port } = this.address;
    const log = this.logFor(c.id);
    const bot = new Bot({
      id: c.id,
      ...(c.token === undefined || c.token === "" ? {} : { token: c.token }),
      topics: c.topics,
      dialer: this.options.dialer?.(host, port, c) ?? tcpDialer(host, port),
      address: `${host}:${port}`,
      cursors: new SqliteCursorStore(c.state),
      backlog: c.backlog,
      ownMessages: c.ownMessages,
      admins: c.admins,
      reconnect: {
        initial: c.reconnect.initial * 1000,
        max: c.reconnect.max * 1000,
        factor: c.reconnect.factor,
        jitter: c.reconnect.jitter,
        ...(c.reconnect.maxAttempts === undefined ? {} : { maxAttempts: c.reconnect.maxAttempts }),
      },
      keepalive: { interval: c.keepalive.interval * 1000, timeout: c.keepalive.timeout * 1000 },
      log,
      baseDir: this.loaded.dir,
      pluginClock: this.options.pluginClock,
    });
    bot.catch((error) => {
      log.error(describeCause(error));
      this.options.onError?.(error, bot);
    });
    bot.on("status", ({ status }) => log.info(describeStatus(status)));
    for (const p of plugins) {
      await p.plugin.setup(bot.forPlugin(p.name, this.logFor(`${c.id} ${p.name}`)), p.options);
    }
    this.options.onBot?.(bot, c);
    return bot;
  }

  /**
   * Stops one bot gracefully and starts a new one from the same
   * configuration and state folder (its plugins set up again), so it
   * catches up from its persisted cursors. `whileStopped` runs between the
   * two. Resolves with the new bot.
   */
  async restart(bot: Bot, whileStopped?: () => unknown): Promise<Bot> {
    const index = this.bots.indexOf(bot);
    if (index < 0) throw new Error(`${bot.id} is not one of this runner's bots`);
    if (this.stopping !== undefined) throw new Error("the runner is stopping");
    await bot.stop();
    await whileStopped?.();
    const fresh = await this.createBot(this.prepared[index]!);
    this.bots[index] = fresh;
    fresh.start();
    this.log("runner", `${fresh.id} restarted`);
    return fresh;
  }

  /** Stops every bot (in-flight handlers finish, cursors persisted), then the embedded server. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.bots.map((b) => b.stop()));
      await this.server?.stop();
      this.log("runner", "stopped");
    })();
    return this.stopping;
  }

  get botList(): readonly Bot[] {
    return this.bots;
  }
}
