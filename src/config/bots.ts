/**
 * A configuration's bots built and run: each with its own identity,
 * connection, state folder and plugins, all in one process, against the
 * server address given (the CLI's runner starts the embedded one first).
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
import type { LoadedConfig } from "./load.ts";
import { loadConfiguredPlugin } from "./plugins.ts";
import type { BotConfig } from "./schema.ts";

export interface BotSetOptions {
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

/** Loads every bot's plugins and checks their options; builds nothing. @throws PluginLoadError */
export async function prepareBots(loaded: LoadedConfig): Promise<PreparedBot[]> {
  const prepared: PreparedBot[] = [];
  for (const [i, config] of loaded.config.bots.entries()) {
    const plugins: LoadedPlugin[] = [];
    for (const [j, entry] of config.plugins.entries()) {
      plugins.push(await loadConfiguredPlugin(entry, `bots[${i}].plugins[${j}]`));
    }
    prepared.push({ config, plugins });
  }
  return prepared;
}

export class BotSet {
  private readonly bots: Bot[] = [];
  private stopping: Promise<void> | undefined;
  private readonly write: (line: string) => void;
  private address = { host: "127.0.0.1", port: 0 };

  constructor(
    readonly loaded: LoadedConfig,
    private readonly prepared: readonly PreparedBot[],
    private readonly options: BotSetOptions = {},
  ) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** One line: time, source, message. */
  log(source: string, message: string): void {
    this.write(`${clockTime()} ${source}: ${message}`);
  }

  logFor(source: string): Log {
    return {
      info: (m) => this.log(source, m),
      warn: (m) => this.log(source, `warning: ${m}`),
      error: (m) => this.log(source, `error: ${m}`),
    };
  }

  /** Builds every bot, sets up its plugins, then starts them all against `address`. */
  async start(address: { host: string; port: number }): Promise<void> {
    this.address = address;
    for (const prepared of this.prepared) this.bots.push(await this.createBot(prepared));
    for (const bot of this.bots) bot.start();
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
    bot.on("status", ({ status }) => {
      // A reset is warned about by the bot itself.
      if (status.type !== "reset") log.info(describeStatus(status));
    });
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
    if (index < 0) throw new Error(`${bot.id} is not one of these bots`);
    if (this.stopping !== undefined) throw new Error("the bots are stopping");
    await bot.stop();
    await whileStopped?.();
    const fresh = await this.createBot(this.prepared[index]!);
    this.bots[index] = fresh;
    fresh.start();
    this.log("runner", `${fresh.id} restarted`);
    return fresh;
  }

  /** Stops every bot: in-flight handlers finish, cursors persisted. */
  stop(): Promise<void> {
    this.stopping ??= Promise.all(this.bots.map((b) => b.stop())).then(() => {});
    return this.stopping;
  }

  get list(): readonly Bot[] {
    return this.bots;
  }
}
