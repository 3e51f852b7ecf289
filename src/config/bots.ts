/**
 * A configuration's bots built and run: each with its own identity,
 * connection, state folder and plugins, all in one process, against the
 * server address given (the CLI's runner starts the embedded one first).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Log } from "../bot/api.ts";
import { Bot } from "../bot/bot.ts";
import { HandlerError } from "../bot/errors.ts";
import type { LoadedPlugin } from "../bot/loader.ts";
import type { Clock } from "../client/clock.ts";
import { MemoryCursorStore, SqliteCursorStore } from "../client/cursor-store.ts";
import { describeCause } from "../client/errors.ts";
import { describeStatus, type Status } from "../client/status.ts";
import { tcpDialer } from "../client/tcp-transport.ts";
import type { Dialer } from "../client/transport.ts";
import type { LoadedConfig } from "./load.ts";
import { type LogEntry, type LogLevel, type LogSink, lineSink } from "./log.ts";
import type { BotSlot, RunningPlugin, SwapHost } from "./plugin-swap.ts";
import type { BotConfig, PluginEntry } from "./schema.ts";
import { describeSetupFailure, PluginSetupError, type SetupProblem } from "./setup-problems.ts";

export { clockTime } from "./log.ts";

export interface BotSetOptions {
  /** Where log lines go (default: stdout), as text; `sink` takes entries instead. */
  write?: (line: string) => void;
  /** Where log entries go (overrides `write`): see `lineSink` for text or JSON lines. */
  sink?: LogSink;
  /**
   * Makes the dialer of one bot (default: `tcpDialer(host, port)`). The test
   * harness wraps the TCP dialer here to watch and cut a bot's link.
   */
  dialer?: (host: string, port: number, bot: BotConfig) => Dialer;
  /** Called with each bot after its plugins are set up, before it starts (also on a restart). */
  onBot?: (bot: Bot, config: BotConfig) => void;
  /** Called with every error a bot reports, after it is logged. */
  onError?: (error: Error, bot: Bot) => void;
  /** Called with every status of every bot, after it is logged. */
  onStatus?: (status: Status, bot: Bot) => void;
  /** Time for plugins (`every` schedules, cooldowns); the connection keeps the system clock. */
  pluginClock?: Clock;
}

/** A bot's configuration with its plugins loaded and their options checked. */
export interface PreparedBot {
  config: BotConfig;
  plugins: LoadedPlugin[];
  /** Its place in the file's `bots`, for messages (default: its place in the list). */
  index?: number;
}

/**
 * Loads every bot's plugins (or those of the bots `only` keeps) and checks
 * their options; builds nothing. @throws PluginLoadError
 */
export async function prepareBots(
  loaded: LoadedConfig,
  only: (index: number) => boolean = () => true,
): Promise<PreparedBot[]> {
  // Not at the top: checking options loads zod, which a set given prepared bots runs without.
  const { loadConfiguredPlugin } = await import("./plugins.ts");
  const prepared: PreparedBot[] = [];
  for (const [i, config] of loaded.config.bots.entries()) {
    if (!only(i)) continue;
    const plugins: LoadedPlugin[] = [];
    for (const [j, entry] of config.plugins.entries()) {
      plugins.push(await loadConfiguredPlugin(entry, `bots[${i}].plugins[${j}]`));
    }
    prepared.push({ config, plugins, index: i });
  }
  return prepared;
}

/** The configuration file and every file of every plugin module: what a watch follows. */
export function watchedFiles(set: BotSet): string[] {
  const files = new Set([set.loaded.file]);
  for (const slot of set.slots) for (const p of slot.plugins) for (const f of p.files) files.add(f);
  return [...files];
}

/** A bot built for a dry run: state in memory, paths under a folder thrown away after. */
interface DryRun {
  dir: string;
}

export class BotSet implements SwapHost {
  private readonly running: BotSlot[] = [];
  private stopping: Promise<void> | undefined;
  private readonly sink: LogSink;
  private address = { host: "127.0.0.1", port: 0 };

  constructor(
    /** The configuration as last applied (a reload moves it on; see reload.ts). */
    public loaded: LoadedConfig,
    private readonly prepared: readonly PreparedBot[],
    private readonly options: BotSetOptions = {},
  ) {
    this.sink =
      options.sink ?? lineSink(options.write ?? ((line) => process.stdout.write(`${line}\n`)));
  }

  /**
   * Sets up every plugin of every bot on bots that never connect (state in
   * memory, plugins' relative paths under a temporary folder removed
   * after), and returns every plugin that failed, located. Logs nothing.
   */
  static async dryRun(
    loaded: LoadedConfig,
    prepared: readonly PreparedBot[],
  ): Promise<SetupProblem[]> {
    const set = new BotSet(loaded, prepared, { sink: () => {} });
    const dry = { dir: mkdtempSync(join(tmpdir(), "scalar-dry-run-")) };
    const problems: SetupProblem[] = [];
    try {
      for (const [i, p] of prepared.entries()) {
        const built = await set.createBot(p, i, { dry });
        set.running.push(built.slot);
        problems.push(...built.problems);
      }
      await set.stop();
    } finally {
      rmSync(dry.dir, { recursive: true, force: true });
    }
    return problems;
  }

  /** Logs one entry (time: now). */
  emit(entry: Omit<LogEntry, "time">): void {
    this.sink({ time: new Date(), ...entry });
  }

  /** One info line from `source`. */
  log(source: string, message: string, level: LogLevel = "info"): void {
    this.emit({ level, source, message });
  }

  /** A line about a reload of `bot` (see plugin-swap.ts): info, or an error when it failed. */
  note(bot: string, plugin: string | undefined, message: string, failed = false): void {
    const about = { bot, ...(plugin === undefined ? {} : { plugin }) };
    this.emit({ level: failed ? "error" : "info", source: bot, ...about, message });
  }

  logFor(bot: string, plugin?: string): Log {
    const at = (level: LogLevel) => (message: string) =>
      this.emit({ level, source: bot, bot, ...(plugin === undefined ? {} : { plugin }), message });
    return { info: at("info"), warn: at("warn"), error: at("error") };
  }

  /**
   * Builds every bot and sets up its plugins, then starts them all against
   * `address`. When a plugin fails to set up, nothing starts: the bots
   * built are stopped and every failure is thrown together.
   * @throws PluginSetupError
   */
  async start(address: { host: string; port: number }): Promise<void> {
    this.address = address;
    const problems: SetupProblem[] = [];
    for (const [i, prepared] of this.prepared.entries()) {
      const built = await this.createBot(prepared, i);
      this.running.push(built.slot);
      problems.push(...built.problems);
    }
    if (problems.length > 0) {
      await this.stop();
      throw new PluginSetupError(problems);
    }
    for (const slot of this.running) slot.bot.start();
  }

  /**
   * Builds and starts one more bot (a configuration reloaded with a new
   * bot). @throws PluginSetupError (the bot is stopped again)
   */
  async startBot(prepared: PreparedBot): Promise<BotSlot> {
    if (this.stopping !== undefined) throw new Error("the bots are stopping");
    const built = await this.createBot(prepared, this.running.length);
    if (built.problems.length > 0) {
      await built.slot.bot.stop();
      throw new PluginSetupError(built.problems);
    }
    this.running.push(built.slot);
    built.slot.bot.start();
    return built.slot;
  }

  /** Stops one bot gracefully and forgets it. */
  async stopBot(slot: BotSlot): Promise<void> {
    const at = this.running.indexOf(slot);
    if (at >= 0) this.running.splice(at, 1);
    await slot.bot.stop();
  }

  /** Builds one bot and sets up its plugins (every one, failed ones reported); does not start it. */
  private async createBot(
    { config: c, plugins, index: given }: PreparedBot,
    position: number,
    built: {
      dry?: DryRun;
      /** Each plugin's configuration entry (default: `c.plugins`, when they line up). */
      entries?: readonly (PluginEntry | undefined)[];
      /** The file the configuration came from (default: the set's). */
      loaded?: LoadedConfig;
    } = {},
  ): Promise<{ slot: BotSlot; problems: SetupProblem[] }> {
    const { dry, loaded = this.loaded } = built;
    const entries = built.entries ?? (c.plugins.length === plugins.length ? c.plugins : []);
    const index = given ?? position;
    const { host, port } = this.address;
    const log = this.logFor(c.id);
    const bot = new Bot({
      id: c.id,
      ...(c.token === undefined || c.token === "" ? {} : { token: c.token }),
      topics: c.topics,
      dialer: this.options.dialer?.(host, port, c) ?? tcpDialer(host, port),
      address: `${host}:${port}`,
      cursors: dry === undefined ? new SqliteCursorStore(c.state) : new MemoryCursorStore(),
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
      baseDir: dry?.dir ?? loaded.dir,
      pluginClock: this.options.pluginClock,
    });
    bot.catch((error) => {
      const plugin = error instanceof HandlerError ? { plugin: error.plugin } : {};
      let message = describeCause(error);
      // The entry names the bot and plugin already.
      const named = error instanceof HandlerError ? `${error.bot}: plugin ${error.plugin} ` : "";
      if (named !== "" && message.startsWith(named)) message = message.slice(named.length);
      this.emit({
        level: "error",
        source: c.id,
        bot: c.id,
        ...plugin,
        message,
        error,
      });
      this.options.onError?.(error, bot);
    });
    bot.on("status", ({ status }) => {
      // A reset is warned about by the bot itself.
      if (status.type !== "reset") {
        const level = status.type === "gave_up" ? "error" : "info";
        this.emit({ level, source: c.id, bot: c.id, message: describeStatus(status) });
      }
      this.options.onStatus?.(status, bot);
    });
    const problems: SetupProblem[] = [];
    const site = { loaded, botIndex: index, botId: c.id, plugins, prefix: bot.prefix };
    const running: RunningPlugin[] = [];
    for (const [j, p] of plugins.entries()) {
      const view = bot.forPlugin(p.name, this.logFor(c.id, p.name));
      running.push({ entry: entries[j], loaded: p, view, files: p.files ?? [] });
      try {
        await p.plugin.setup(view, p.options);
        this.emit({ level: "debug", source: c.id, bot: c.id, plugin: p.name, message: "set up" });
      } catch (error) {
        problems.push(describeSetupFailure(site, j, error));
      }
    }
    const slot: BotSlot = { bot, loaded, config: c, index, plugins: running };
    // The reload modules (the configuration's schema and YAML among them) load at the first reload.
    if (dry === undefined) {
      bot.reloader = (plugin) => import("./reload.ts").then((r) => r.reloadBot(this, slot, plugin));
    }
    if (problems.length === 0) this.options.onBot?.(bot, c);
    return { slot, problems };
  }
  /**
   * Stops one bot gracefully and starts a new one from the same
   * configuration and state folder (its plugins set up again), so it
   * catches up from its persisted cursors. `whileStopped` runs between the
   * two. Resolves with the new bot.
   */
  async restart(bot: Bot, whileStopped?: () => unknown): Promise<Bot> {
    const at = this.running.findIndex((s) => s.bot === bot);
    if (at < 0) throw new Error(`${bot.id} is not one of these bots`);
    if (this.stopping !== undefined) throw new Error("the bots are stopping");
    await bot.stop();
    await whileStopped?.();
    // What ran, as it ran (a plugin a reload could not load stays out).
    const old = this.running[at]!;
    const kept = old.plugins.filter((p) => p.loaded !== undefined);
    const prepared = { config: old.config, plugins: kept.map((p) => p.loaded!), index: old.index };
    const entries = kept.map((p) => p.entry);
    const built = await this.createBot(prepared, at, { entries, loaded: old.loaded });
    const fresh = built.slot.bot;
    this.running[at] = built.slot;
    if (built.problems.length > 0) {
      await fresh.stop();
      throw new PluginSetupError(built.problems);
    }
    fresh.start();
    this.log("runner", `${fresh.id} restarted`);
    return fresh;
  }

  /** Stops every bot: in-flight handlers finish, cursors persisted. */
  stop(): Promise<void> {
    this.stopping ??= Promise.all(this.running.map((s) => s.bot.stop())).then(() => {});
    return this.stopping;
  }

  get list(): readonly Bot[] {
    return this.running.map((s) => s.bot);
  }

  /** Each running bot with what it runs (for reload.ts). */
  get slots(): readonly BotSlot[] {
    return this.running;
  }
}
