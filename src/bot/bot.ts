/**
 * A bot: a client (one live connection, gap-free topics) and a plugin host
 * (handlers, chains, commands, stores, timers), with the checkpoints that
 * tie the two: a cursor is saved only once every handler of its event
 * finished and the plugins made their work durable.
 */
import { Database } from "bun:sqlite";
import { resolve as resolvePath } from "node:path";
import type { SyncItem } from "../client/catch-up.ts";
import { Client } from "../client/client.ts";
import { type Clock, describeDuration, systemClock, within } from "../client/clock.ts";
import { describeCause, RuntimeError } from "../client/errors.ts";
import { describeStatus, type Status } from "../client/status.ts";
import type { SentReply } from "../protocol/index.ts";
import {
  type BotApi,
  type HistoryEvent,
  type HistoryQuery,
  installPlugin,
  type Log,
  type Plugin,
} from "./api.ts";
import { Checkpoints } from "./checkpoint.ts";
import { CommandRegistry } from "./commands.ts";
import { type ChainSettings, sameId } from "./composer.ts";
import { AskCancelledError } from "./conversations/ask.ts";
import { Cooldowns } from "./cooldown.ts";
import { Dispatcher, describeAbandoned, type Registration } from "./dispatch.ts";
import { HandlerError } from "./errors.ts";
import helpPlugin, { HELP_DEFAULTS } from "./help.ts";
import { fetchHistory } from "./history.ts";
import { BotHooks } from "./hooks.ts";
import { PluginHost, type PluginHostBot } from "./host.ts";
import { type BotInternals, editableOf, hostBotOf } from "./host-bot.ts";
import { type BotObserver, fanOut } from "./observe.ts";
import { type BotOptions, clientOptions } from "./options.ts";
import { OwnPluginView } from "./own-plugin.ts";
import { DispatchPause, type PluginEdit, PluginEditor, type Reloader } from "./reload.ts";
import { RouteTable } from "./routes.ts";
import { BotState } from "./state/bot-state.ts";
import { memoryStores, type StoreFactory, sqliteStores } from "./store.ts";

export type { BotOptions } from "./options.ts";

const silentLog: Log = { info() {}, warn() {}, error() {} };

/**
 * One bot: its identity, connection, cursors and handlers. `start` runs the
 * connect loop, `stop` lets in-flight handlers finish (for at most
 * `stopTimeout`), persists cursors and closes.
 *
 * @example
 * ```ts
 * const bot = new Bot({ id: "hello@localhost", topics: ["#general"], dialer, cursors });
 * bot.on("message", (ctx) => ctx.body === "!hi" && ctx.reply("hello"));
 * bot.start();
 * ```
 */
export class Bot extends OwnPluginView implements BotApi {
  readonly topics: readonly string[];
  readonly log: Log;
  private readonly runtimeClock: Clock;
  /** Time for plugins (`every`, cooldowns). */
  readonly pluginClock: Clock;
  /** Command registry, cooldowns and admins shared by every plugin's chain. */
  readonly chainSettings: ChainSettings;
  private registrations: Registration[] = [];
  private readonly hooks: BotHooks;
  private readonly hosts: PluginHost[] = [];
  private readonly stores: StoreFactory;
  private readonly hostBot: PluginHostBot;
  private readonly internals: BotInternals;
  private readonly client: Client;
  private readonly dispatcher: Dispatcher;
  private readonly checkpoints: Checkpoints;
  /** Conversations, sessions and reminders: state beyond the cursors. */
  private readonly state: BotState;
  private errorHandler: (error: Error) => void;
  /** Every plugin's HTTP routes (served by the HTTP layer, when there is one). */
  readonly routes = new RouteTable();
  private readonly observers: BotObserver[] = [];
  private observer: BotObserver | undefined;
  /** Holds dispatch while plugins change (`changePlugins`). */
  private readonly pause = new DispatchPause();
  /** Reloads plugins from disk (set by whoever built the bot from a configuration). */
  reloader: Reloader | undefined;
  private sending = 0;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: BotOptions) {
    super();
    this.topics = options.topics;
    this.log = options.log ?? silentLog;
    this.runtimeClock = options.clock ?? systemClock;
    this.pluginClock = options.pluginClock ?? systemClock;
    const admins = options.admins ?? [];
    const pluginClock = this.pluginClock;
    this.chainSettings = {
      prefix: options.commandPrefix ?? "!",
      commands: new CommandRegistry(),
      cooldowns: new Cooldowns(() => pluginClock.now()),
      isAdmin: (id) => admins.some((admin) => sameId(admin, id)),
      ownMessages: options.ownMessages ?? false,
    };
    const cursors = options.cursors as { database?: unknown };
    const database = cursors.database instanceof Database ? cursors.database : undefined;
    this.stores =
      options.stores ?? (database !== undefined ? sqliteStores(database) : memoryStores());
    this.state = new BotState(database, {
      prefix: this.chainSettings.prefix,
      commands: this.chainSettings.commands,
      clock: pluginClock,
      saved: (topic) => options.cursors.read(topic),
      generation: () => this.dispatcher.currentGeneration,
      changed: () => this.checkpoints.request(),
    });
    this.internals = {
      state: this.state,
      hosts: this.hosts,
      started: () => this.started,
      registrations: () => this.registrations,
      setRegistrations: (list) => {
        this.registrations = list;
      },
      store: (plugin) => this.stores(plugin),
      report: (error) => this.report(error),
      runStopHook: (hook) => this.hooks.runStop(hook),
    };
    this.hostBot = hostBotOf(this, this.internals);
    this.errorHandler = (error) => this.log.error(error.message);
    const limit = options.stopTimeout ?? 10_000;
    this.hooks = new BotHooks(
      this.runtimeClock,
      limit,
      () => this.id,
      (e) => this.report(e),
    );
    this.checkpoints = new Checkpoints(
      options.cursors,
      (error, topics) => this.checkpointFailed(error, topics),
      this.state.durable,
      this.state.atomically,
      options.checkpointInterval,
    );
    this.client = new Client({
      ...clientOptions(options),
      clock: this.runtimeClock,
      onItem: (topic, item, tracked) => this.onItem(topic, item, tracked),
      onStatus: (status) => this.onStatus(status),
      onError: (error) => this.report(error),
    });
    this.dispatcher = new Dispatcher({
      bot: this,
      id: () => this.client.id,
      registrations: () => this.registrations,
      ownMessages: options.ownMessages ?? false,
      send: (topic, text) => this.send(topic, text),
      checkpoints: this.checkpoints,
      router: this.state.router,
      log: this.log,
      report: (error) => this.report(error),
      status: (status) => this.dispatchStatus(status),
      clock: this.runtimeClock,
      slowHandlerAfter: options.slowHandlerAfter ?? 10_000,
    });
  }

  /** The bot's ID (full form once the server has welcomed it). */
  get id(): string {
    return this.client.id;
  }

  get status(): Status | undefined {
    return this.stopped ? { type: "stopped" } : this.client.status;
  }

  /** The connection under the bot: cursors, the live link, raw requests. */
  get connection(): Client {
    return this.client;
  }

  /** Texts given to `send` (or `reply`, `dm`) that the server has not yet taken in full. */
  get outboundQueue(): number {
    return this.sending;
  }

  /**
   * Lets `observer` see events, handler times, failures, statuses and sends
   * (the metrics layer does). Returns a function that stops it.
   */
  observe(observer: BotObserver): () => void {
    this.observers.push(observer);
    this.observer = this.dispatcher.observer = fanOut(this.observers);
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
      this.observer = this.dispatcher.observer = fanOut(this.observers);
    };
  }

  /** Replaces the one error handler every handler failure and runtime problem goes to. */
  catch(handler: (error: Error) => void): void {
    this.errorHandler = handler;
  }

  // ----------------------------------------------------------- plugin API --
  // The bot's own members act as a plugin named "bot" (handy in tests and
  // small scripts); configured plugins each get a view from `forPlugin`.

  /** A view for one plugin: its own chain, store, timers and log; errors name it. */
  forPlugin(plugin: string, log: Log = this.log): BotApi {
    const host = new PluginHost(this.hostBot, plugin, log);
    this.hosts.push(host);
    return host;
  }

  /** The view of the plugin set up as `name` (the first of that name), if any. */
  plugin(name: string): BotApi | undefined {
    return this.hosts.find((h) => h.name === name);
  }

  /**
   * Sets up a plugin on this bot with its options checked by its schema
   * (defaults applied), its `start` and `stop` hooked. Resolves with the
   * plugin's view.
   *
   * @example await bot.install(echo, { command: "!say" });
   */
  async install<O>(plugin: Plugin<O>, options?: unknown, name?: string): Promise<BotApi> {
    const view = this.forPlugin(name ?? plugin.name ?? "plugin");
    const checked = plugin.options === undefined ? options : plugin.options.parse(options ?? {});
    await installPlugin(plugin, view, checked as O);
    return view;
  }

  /** Past events of `topic`, through the connection (waits for one). */
  history(topic: string, query: HistoryQuery = {}): Promise<HistoryEvent[]> {
    return fetchHistory(this.client, topic, query);
  }

  /** Runs `fn` once, when the bot is first connected. Returns a function that takes it off. */
  onStart(fn: () => unknown): () => void {
    return this.hooks.onStart(fn);
  }

  /**
   * Changes the bot's plugins while it runs (see reload.ts): `change`
   * runs with dispatch paused once every event handed on so far was
   * handled; what arrives meanwhile is handed on after it. One change at
   * a time. Never await it in a handler of this bot: it waits for that handler.
   */
  changePlugins<T>(change: (edit: PluginEdit) => Promise<T>): Promise<T> {
    if (this.stopping !== undefined) {
      return Promise.reject(
        new RuntimeError(`${this.id}: cannot change plugins, the bot is stopping`),
      );
    }
    const limit = this.options.stopTimeout ?? 10_000;
    return this.pause.run(
      // Bounded like a stop: a hung handler must not hold every topic paused.
      async () => {
        if (await within(this.runtimeClock, limit, () => this.dispatcher.drained())) return;
        const running = describeAbandoned(this.dispatcher.inFlight());
        throw new RuntimeError(
          `${this.id}: plugins not changed: still waiting after ${describeDuration(limit)} for ${running}`,
        );
      },
      () => change(new PluginEditor(editableOf(this, this.internals, this.hostBot))),
      {
        item: (topic, item, tracked) => this.onItem(topic, item, tracked),
        status: (status) => this.statusHandlers(status),
      },
    );
  }

  /** `!help` comes with the first command unless a plugin brought its own. */
  private addImplicitHelp(): void {
    const commands = this.chainSettings.commands;
    if (commands.list().length === 0 || commands.find("help") !== undefined) return;
    if (this.hosts.some((h) => h.name === "help")) return;
    void helpPlugin.setup(this.forPlugin("help"), HELP_DEFAULTS);
  }

  resolve(path: string): string {
    return resolvePath(this.options.baseDir ?? process.cwd(), path);
  }

  onStop(cleanup: () => unknown): () => void {
    return this.hooks.onStop(cleanup);
  }

  onCheckpoint(fn: () => unknown): () => void {
    this.checkpoints.addHook(fn);
    return () => this.checkpoints.removeHook(fn);
  }

  send(topic: string, text: string): Promise<SentReply[]> {
    this.sending++;
    const sent = this.client.send(topic, text);
    sent.then(
      (replies) => {
        this.sending--;
        this.observer?.sent?.(replies.length);
      },
      () => {
        this.sending--;
      },
    );
    return sent;
  }

  /** Starts the connect loop; resolves at once (watch `status`). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.addImplicitHelp();
    this.client.start();
    for (const host of this.hosts) host.startTimers();
  }

  /** Finishes in-flight handlers, persists cursors, closes. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /**
   * Resolves when every event handed to handlers so far has been handled and
   * its cursor saved.
   */
  async idle(): Promise<void> {
    while (this.pause.busy || this.dispatcher.busy || this.checkpoints.pending || this.state.busy) {
      await this.pause.settled();
      await this.dispatcher.drained();
      await this.state.settled();
      await this.checkpoints.save();
    }
  }

  // ------------------------------------------------------------ lifecycle --

  private async shutdown(): Promise<void> {
    const limit = this.options.stopTimeout ?? 10_000;
    // A plugin change under way finishes first: what it sets up is stopped below.
    await within(this.runtimeClock, limit, () => this.pause.settled());
    // Open questions end first, while their handlers can still answer.
    this.state.router.close(new AskCancelledError("stopped"));
    // No schedule fires from now on; runs in progress are awaited below.
    const timers = Promise.all(this.hosts.map((h) => h.stopTimers()));
    const finished = await within(this.runtimeClock, limit, async () => {
      await this.client.stop(() => this.idle());
      await timers;
      await this.idle();
    });
    if (!finished) this.reportAbandoned(limit);
    this.dispatcher.close();
    this.client.dropConnection("the bot is stopping");
    await this.hooks.stop();
    for (const host of this.hosts) host.release();
    this.options.cursors.close();
    this.stopped = true;
    this.dispatchStatus({ type: "stopped" });
  }

  private reportAbandoned(limit: number): void {
    this.report(
      new RuntimeError(
        `${this.id}: stopped after ${describeDuration(limit)} without waiting further for: ${describeAbandoned(this.dispatcher.inFlight())} (its cursor stays before that event, so it is handled again on the next start)`,
      ),
    );
  }

  /** A failed checkpoint saved nothing: go back to the saved cursors and read on from there. */
  private checkpointFailed(error: unknown, topics: string[]): void {
    this.report(new RuntimeError(`${this.id}: cannot save cursors (checkpoint)`, error));
    if (this.stopping !== undefined) return;
    this.dispatcher.discard();
    this.pause.discard();
    for (const topic of topics) this.client.rewind(topic, this.options.cursors.read(topic));
    this.client.dropConnection(
      `a checkpoint failed (${describeCause(error)}); reading again from the last saved cursors`,
    );
  }

  private onItem(topic: string, item: SyncItem, tracked: boolean): void {
    if (this.stopping !== undefined || this.pause.holdItem(topic, item, tracked)) return;
    this.dispatcher.enqueue(topic, item, tracked);
  }

  private onStatus(status: Status): void {
    if (status.type === "connected") this.hooks.connected();
    this.dispatchStatus(status);
  }

  private dispatchStatus(status: Status): void {
    if (status.type === "reset") this.log.warn(`${this.id}: ${describeStatus(status)}`);
    this.observer?.status?.(status);
    if (!this.pause.holdStatus(status)) this.statusHandlers(status);
  }

  private statusHandlers(status: Status): void {
    const ctx = { bot: this as BotApi, status };
    for (const r of this.registrations) {
      if (r.name === "status") void this.dispatcher.invoke(r, ctx);
    }
  }

  private report(error: Error): void {
    if (error instanceof HandlerError) this.observer?.failed?.(error.plugin);
    try {
      this.errorHandler(error);
    } catch (inner) {
      console.error(error, inner);
    }
  }
}
