/**
 * Runs a configuration: the embedded server if asked, then every bot with
 * its own identity, connection, state and plugins, in one process.
 */
import type { LoadedConfig } from "../config/load.ts";
import type { BotConfig } from "../config/schema.ts";
import type { Log } from "../plugins/api.ts";
import { type LoadedPlugin, loadPlugin } from "../plugins/loader.ts";
import type { RunningServer, Logger as ServerLogger } from "../server/index.ts";
import { Bot } from "./bot.ts";
import { SqliteCursorStore } from "./cursor-store.ts";
import { describeCause } from "./errors.ts";
import { describeStatus } from "./status.ts";
import { tcpDialer } from "./tcp-transport.ts";

export interface RunnerOptions {
  /** Where log lines go (default: stdout). */
  write?: (line: string) => void;
}

interface PreparedBot {
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
    options: RunnerOptions,
  ) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** Loads every plugin and checks its options; starts nothing. @throws PluginLoadError */
  static async prepare(loaded: LoadedConfig, options: RunnerOptions = {}): Promise<Runner> {
    const prepared: PreparedBot[] = [];
    for (const [i, config] of loaded.config.bots.entries()) {
      const plugins: LoadedPlugin[] = [];
      for (const [j, entry] of config.plugins.entries()) {
        plugins.push(await loadPlugin(entry, `bots[${i}].plugins[${j}]`));
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
      });
      this.log(
        "server",
        `embedded server for ${this.server.domain} listening on ${this.server.host}:${this.server.port}`,
      );
    }
    const { host, port } = this.address;
    for (const { config: c, plugins } of this.prepared) {
      const log = this.logFor(c.id);
      const bot = new Bot({
        id: c.id,
        ...(c.token === undefined || c.token === "" ? {} : { token: c.token }),
        topics: c.topics,
        dialer: tcpDialer(host, port),
        address: `${host}:${port}`,
        cursors: new SqliteCursorStore(c.state),
        backlog: c.backlog,
        ownMessages: c.ownMessages,
        reconnect: {
          initial: c.reconnect.initial * 1000,
          max: c.reconnect.max * 1000,
          factor: c.reconnect.factor,
          jitter: c.reconnect.jitter,
          ...(c.reconnect.maxAttempts === undefined
            ? {}
            : { maxAttempts: c.reconnect.maxAttempts }),
        },
        keepalive: { interval: c.keepalive.interval * 1000, timeout: c.keepalive.timeout * 1000 },
        log,
        baseDir: this.loaded.dir,
      });
      bot.catch((error) => log.error(describeCause(error)));
      bot.on("status", ({ status }) => log.info(describeStatus(status)));
      for (const p of plugins) {
        await p.plugin.setup(bot.forPlugin(p.name, this.logFor(`${c.id} ${p.name}`)), p.options);
      }
      this.bots.push(bot);
    }
    for (const bot of this.bots) bot.start();
    this.log(
      "runner",
      `${this.bots.length} bot${this.bots.length === 1 ? "" : "s"} started from ${this.loaded.file}`,
    );
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
