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
import { DateTime, type SentReply } from "../protocol/index.ts";
import {
  type BotApi,
  eventView,
  type Handler,
  type HandlerName,
  type HandlerOptions,
  type HistoryEvent,
  type HistoryQuery,
  installPlugin,
  type Log,
  type Plugin,
} from "./api.ts";
import { Checkpoints } from "./checkpoint.ts";
import { CommandRegistry } from "./commands.ts";
import { type ChainSettings, sameId } from "./composer.ts";
import { AskCancelledError, isAskCancelled } from "./conversations/ask.ts";
import { Cooldowns } from "./cooldown.ts";
import { Dispatcher, describeAbandoned, type Registration } from "./dispatch.ts";
import { HandlerError } from "./errors.ts";
import helpPlugin, { helpOptions } from "./help.ts";
import { PluginHost, type PluginHostBot } from "./host.ts";
import { type BotObserver, fanOut } from "./observe.ts";
import { type BotOptions, clientOptions } from "./options.ts";
import { OwnPluginView } from "./own-plugin.ts";
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
  private readonly stopHooks: (() => unknown)[] = [];
  private readonly startHooks: (() => unknown)[] = [];
  private startHooksRan = false;
  private readonly hosts: PluginHost[] = [];
  private readonly stores: StoreFactory;
  private readonly hostBot: PluginHostBot;
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
    this.hostBot = this.makeHostBot();
    this.errorHandler = (error) => this.log.error(error.message);
    this.checkpoints = new Checkpoints(
      options.cursors,
      (error, topics) => this.checkpointFailed(error, topics),
      this.state.durable,
      this.state.atomically,
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
  async history(topic: string, query: HistoryQuery = {}): Promise<HistoryEvent[]> {
    await this.client.whenConnected();
    const full = this.client.fullName(topic);
    const selector =
      query.after !== undefined
        ? { after: query.after }
        : query.since !== undefined
          ? { since: DateTime.fromDate(query.since) }
          : { last: query.last ?? 20 };
    const reply = await this.client.request({
      type: "history",
      topic: full,
      ...selector,
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
    return reply.events.map(eventView);
  }

  /** Runs `fn` once, when the bot is first connected. */
  onStart(fn: () => unknown): void {
    this.startHooks.push(fn);
    if (this.startHooksRan) void this.runHook(fn, "a start hook");
  }

  private makeHostBot(): PluginHostBot {
    const bot = this;
    return {
      get id() {
        return bot.id;
      },
      topics: this.topics,
      pluginClock: this.pluginClock,
      chainSettings: this.chainSettings,
      routes: this.routes,
      state: this.state,
      get started() {
        return bot.started;
      },
      register: (name, handler, options, plugin) => this.register(name, handler, options, plugin),
      unregister: (plugin) => {
        this.registrations = this.registrations.filter((r) => r.plugin !== plugin);
      },
      send: (topic, text) => this.send(topic, text),
      history: (topic, query) => this.history(topic, query),
      store: (plugin) => this.stores(plugin),
      report: (error) => this.report(error),
      pluginError: (plugin, registration, ctx, error) => {
        // A handler that did not catch the end of its question ends quietly.
        if (isAskCancelled(error)) return;
        const where = ctx as { topic?: unknown; seq?: unknown } | undefined;
        this.report(
          new HandlerError(
            this.id,
            plugin,
            registration,
            typeof where?.topic === "string" && typeof where.seq === "number"
              ? { topic: where.topic, seq: where.seq }
              : undefined,
            error,
          ),
        );
      },
      onStart: (fn) => this.onStart(fn),
      onStop: (fn) => this.onStop(fn),
      onCheckpoint: (fn) => this.onCheckpoint(fn),
      resolve: (path) => this.resolve(path),
    };
  }

  private async runHook(fn: () => unknown, what: string): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.report(new RuntimeError(`${this.id}: ${what} failed`, error));
    }
  }

  /** `!help` comes with the first command unless a plugin brought its own. */
  private addImplicitHelp(): void {
    const commands = this.chainSettings.commands;
    if (commands.list().length === 0 || commands.find("help") !== undefined) return;
    if (this.hosts.some((h) => h.name === "help")) return;
    void helpPlugin.setup(this.forPlugin("help"), helpOptions.parse({}));
  }

  resolve(path: string): string {
    return resolvePath(this.options.baseDir ?? process.cwd(), path);
  }

  onStop(cleanup: () => unknown): void {
    this.stopHooks.push(cleanup);
  }

  onCheckpoint(fn: () => unknown): void {
    this.checkpoints.addHook(fn);
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
    while (this.dispatcher.busy || this.checkpoints.pending || this.state.busy) {
      await this.dispatcher.drained();
      await this.state.settled();
      await this.checkpoints.save();
    }
  }

  // ------------------------------------------------------------ lifecycle --

  private async shutdown(): Promise<void> {
    // Open questions end first, while their handlers can still answer.
    this.state.router.close(new AskCancelledError("stopped"));
    // No schedule fires from now on; runs in progress are awaited below.
    const timers = Promise.all(this.hosts.map((h) => h.stopTimers()));
    const limit = this.options.stopTimeout ?? 10_000;
    const finished = await within(this.runtimeClock, limit, async () => {
      await this.client.stop(() => this.idle());
      await timers;
      await this.idle();
    });
    if (!finished) this.reportAbandoned(limit);
    this.dispatcher.close();
    this.client.dropConnection("the bot is stopping");
    for (const hook of this.stopHooks) {
      await within(this.runtimeClock, limit, () => this.runHook(hook, "a stop hook"));
    }
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
    for (const topic of topics) this.client.rewind(topic, this.options.cursors.read(topic));
    this.client.dropConnection(
      `a checkpoint failed (${describeCause(error)}); reading again from the last saved cursors`,
    );
  }

  private onItem(topic: string, item: SyncItem, tracked: boolean): void {
    if (this.stopping !== undefined) return;
    this.dispatcher.enqueue(topic, item, tracked);
  }

  private onStatus(status: Status): void {
    if (status.type === "connected" && !this.startHooksRan) {
      this.startHooksRan = true;
      void (async () => {
        for (const hook of this.startHooks) await this.runHook(hook, "a start hook");
      })();
    }
    this.dispatchStatus(status);
  }

  private dispatchStatus(status: Status): void {
    if (status.type === "reset") this.log.warn(`${this.id}: ${describeStatus(status)}`);
    this.observer?.status?.(status);
    const ctx = { bot: this as BotApi, status };
    for (const r of this.registrations) {
      if (r.name === "status") void this.dispatcher.invoke(r, ctx);
    }
  }

  private register<N extends HandlerName>(
    name: N,
    handler: Handler<N>,
    options: HandlerOptions,
    plugin: string,
  ): void {
    this.registrations.push({ name, handler, options, plugin });
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
