import { Database } from "bun:sqlite";
import { resolve as resolvePath } from "node:path";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "../client/backoff.ts";
import { type HistorySource, type SyncItem, TopicSync } from "../client/catch-up.ts";
import { type Clock, sleep, systemClock } from "../client/clock.ts";
import { Connection } from "../client/connection.ts";
import type { CursorStore } from "../client/cursor-store.ts";
import {
  ConnectionClosedError,
  describeCause,
  HandlerError,
  RequestError,
  RuntimeError,
} from "../client/errors.ts";
import type { KeepaliveOptions } from "../client/keepalive.ts";
import { Outbox, TokenBucket } from "../client/outbound.ts";
import type { Status } from "../client/status.ts";
import type { Dialer } from "../client/transport.ts";
import {
  DateTime,
  type EventFrame,
  parseName,
  type SentReply,
  type WelcomeReply,
} from "../protocol/index.ts";
import {
  type BotApi,
  type Chain,
  type EventContext,
  type EveryOptions,
  eventView,
  type Handler,
  type HandlerContexts,
  type HandlerName,
  type HandlerOptions,
  type HistoryEvent,
  type HistoryQuery,
  installPlugin,
  type Log,
  type Plugin,
  type TickContext,
  type Timer,
} from "./api.ts";
import { Checkpoints } from "./checkpoint.ts";
import { CommandRegistry } from "./commands.ts";
import { type ChainSettings, sameId } from "./composer.ts";
import { Cooldowns } from "./cooldown.ts";
import helpPlugin, { helpOptions } from "./help.ts";
import { PluginHost, type PluginHostBot } from "./host.ts";
import { memoryStores, type Store, type StoreFactory, sqliteStores } from "./store.ts";

export interface BotOptions {
  id: string;
  token?: string;
  /** Topics to subscribe to and keep a cursor for, as configured (`#general`). */
  topics: readonly string[];
  dialer: Dialer;
  /** `host:port` for status lines before the first connection. */
  address?: string;
  cursors: CursorStore;
  /** On a first start (no cursor): how many past events to replay; 0 starts live. */
  backlog?: number;
  /** Dispatch the bot's own messages to handlers that did not say (default false). */
  ownMessages?: boolean;
  reconnect?: Partial<BackoffOptions>;
  /** Our pings to detect a dead link; off when undefined. */
  keepalive?: KeepaliveOptions;
  /** Events a `history` page may return (the server may cap it lower). */
  historyPage?: number;
  clock?: Clock;
  random?: () => number;
  log?: Log;
  agent?: string;
  maxBodyBytes?: number;
  /** Folder that relative plugin paths resolve against (the configuration's). */
  baseDir?: string;
  /**
   * Time for plugins: `every` schedules and command cooldowns (default the
   * system clock). A test harness passes a `ManualClock` and moves it.
   */
  pluginClock?: Clock;
  /** IDs with admin rights over the bot's commands (`alice` or `alice@localhost`). */
  admins?: readonly string[];
  /** The text that starts a command (default `!`). */
  commandPrefix?: string;
  /**
   * Plugin stores by plugin name. Default: a table in the cursors' database
   * when it is a `SqliteCursorStore`, else in memory.
   */
  stores?: StoreFactory;
}

interface Registration {
  name: HandlerName;
  /** An event registration gets the bare `EventContext`; a plugin's chain wraps it. */
  handler: (ctx: never) => unknown;
  options: HandlerOptions;
  plugin: string;
}

const silentLog: Log = { info() {}, warn() {}, error() {} };

/**
 * One bot: its identity, connection, cursors and handlers. `start` runs the
 * connect loop (one dial at a time, backoff between), `stop` lets in-flight
 * handlers finish, persists cursors and closes.
 *
 * @example
 * ```ts
 * const bot = new Bot({ id: "hello@localhost", topics: ["#general"], dialer, cursors });
 * bot.on("message", (ctx) => ctx.body === "!hi" && ctx.reply("hello"));
 * bot.start();
 * ```
 */
export class Bot implements BotApi {
  readonly topics: readonly string[];
  readonly log: Log;
  private fullId: string;
  private readonly runtimeClock: Clock;
  private readonly backoff: BackoffOptions;
  /** Time for plugins (`every`, cooldowns). */
  readonly pluginClock: Clock;
  /** Command registry, cooldowns and admins shared by every plugin's chain. */
  readonly chainSettings: ChainSettings;
  private registrations: Registration[] = [];
  private readonly stopHooks: (() => unknown)[] = [];
  private readonly startHooks: (() => unknown)[] = [];
  private startHooksRan = false;
  private readonly hosts: PluginHost[] = [];
  private ownHost: PluginHost | undefined;
  private readonly stores: StoreFactory;
  private readonly hostBot: PluginHostBot;
  private domain: string | undefined;
  private readonly syncs = new Map<string, TopicSync>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly bucket: TokenBucket;
  private readonly outbox: Outbox;
  private readonly checkpoints: Checkpoints;
  private connection: Connection | undefined;
  private waiters: { resolve: (c: Connection) => void; reject: (e: Error) => void }[] = [];
  private errorHandler: (error: Error) => void;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private draining = false;
  private readonly abort = new AbortController();
  private currentStatus: Status | undefined;

  constructor(private readonly options: BotOptions) {
    this.fullId = options.id;
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
    this.stores =
      options.stores ??
      (cursors.database instanceof Database ? sqliteStores(cursors.database) : memoryStores());
    this.hostBot = this.makeHostBot();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.errorHandler = (error) => this.log.error(error.message);
    this.bucket = new TokenBucket(this.runtimeClock, 10, 10);
    this.outbox = new Outbox({
      clock: this.runtimeClock,
      bucket: this.bucket,
      connection: () => this.whenConnected(),
      maxBodyBytes: options.maxBodyBytes,
    });
    this.checkpoints = new Checkpoints(options.cursors, (error) =>
      this.report(new RuntimeError(`${this.id}: cannot save cursors (checkpoint)`, error)),
    );
  }

  /** The bot's ID (full form once the server has welcomed it). */
  get id(): string {
    return this.fullId;
  }

  get status(): Status | undefined {
    return this.currentStatus;
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

  private get self(): PluginHost {
    this.ownHost ??= this.forPlugin("bot") as PluginHost;
    return this.ownHost;
  }

  /** Same as a plugin's `on`, as the plugin named "bot" (see BotApi). */
  get on(): BotApi["on"] {
    const host = this.self;
    return host.on.bind(host);
  }

  get use(): Chain["use"] {
    return this.self.use;
  }

  get filter(): Chain["filter"] {
    return this.self.filter;
  }

  get hears(): Chain["hears"] {
    return this.self.hears;
  }

  get command(): Chain["command"] {
    return this.self.command;
  }

  every(schedule: string, fn: (tick: TickContext) => unknown, options?: EveryOptions): Timer {
    return this.self.every(schedule, fn, options);
  }

  get clock(): Clock {
    return this.pluginClock;
  }

  get store(): Store {
    return this.self.store;
  }

  get commands(): BotApi["commands"] {
    return this.chainSettings.commands;
  }

  get prefix(): string {
    return this.chainSettings.prefix;
  }

  isAdmin(id: string): boolean {
    return this.chainSettings.isAdmin(id);
  }

  dm(id: string, text: string): Promise<SentReply[]> {
    return this.self.dm(id, text);
  }

  /** Past events of `topic`, through the connection (waits for one). */
  async history(topic: string, query: HistoryQuery = {}): Promise<HistoryEvent[]> {
    const connection = await this.whenConnected();
    const full = this.domain === undefined ? topic : parseName(topic, this.domain).full;
    const selector =
      query.after !== undefined
        ? { after: query.after }
        : query.since !== undefined
          ? { since: DateTime.fromDate(query.since) }
          : { last: query.last ?? 20 };
    const reply = await connection.request({
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
      get started() {
        return bot.running !== undefined;
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
    if (this.stopping !== undefined && this.connection === undefined) {
      return Promise.reject(new ConnectionClosedError("the bot is stopping"));
    }
    return this.outbox.send(topic, text);
  }

  /** Starts the connect loop; resolves at once (watch `status`). */
  start(): void {
    if (this.running !== undefined) return;
    this.addImplicitHelp();
    this.running = this.run().catch((error) =>
      this.report(new RuntimeError(`${this.options.id}: connect loop failed`, error)),
    );
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
    while (this.queues.size > 0 || this.checkpoints.pending) {
      await Promise.all([...this.queues.values()]);
      await this.checkpoints.save();
    }
  }

  // ------------------------------------------------------------ lifecycle --

  private async shutdown(): Promise<void> {
    this.draining = true;
    this.abort.abort();
    // No schedule fires from now on; runs in progress are awaited below.
    const timers = Promise.all(this.hosts.map((h) => h.stopTimers()));
    // No reconnect will come: sends waiting for one must not hold up the stop.
    if (!this.connection?.isOpen) this.rejectWaiters("the bot is stopping");
    await this.idle();
    this.connection?.close("the bot is stopping");
    this.rejectWaiters("the bot is stopping");
    await this.running;
    await timers;
    await this.idle();
    for (const hook of this.stopHooks) await this.runHook(hook, "a stop hook");
    for (const host of this.hosts) host.release();
    this.options.cursors.close();
    this.setStatus({ type: "stopped" });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    const address = this.options.address ?? "server";
    while (!this.draining) {
      attempt++;
      let reason: string;
      let welcomed = false;
      try {
        const result = await this.session(attempt);
        welcomed = result.welcomed;
        reason = result.reason;
      } catch (error) {
        if (error instanceof RequestError && error.code === "auth_failed") {
          this.setStatus({
            type: "gave_up",
            address: this.address ?? address,
            attempts: attempt,
            reason: `identify refused: ${error.message}`,
          });
          return;
        }
        reason = describeCause(error);
      }
      if (this.draining) return;
      if (welcomed) attempt = 1;
      if (attempt >= this.backoff.maxAttempts) {
        this.setStatus({
          type: "gave_up",
          address: this.address ?? address,
          attempts: attempt,
          reason,
        });
        this.rejectWaiters(reason);
        return;
      }
      const delay = backoffDelay(this.backoff, attempt, this.options.random);
      this.setStatus({
        type: "reconnecting",
        address: this.address ?? address,
        attempt: attempt + 1,
        delay,
        reason,
      });
      await sleep(this.runtimeClock, delay, this.abort.signal);
    }
  }

  private address: string | undefined;

  /** One connection from dial to close. Resolves with why it ended. */
  private async session(attempt: number): Promise<{ welcomed: boolean; reason: string }> {
    let closed!: (reason: Error) => void;
    const whenClosed = new Promise<Error>((resolve) => {
      closed = resolve;
    });
    this.setStatus({
      type: "connecting",
      address: this.address ?? this.options.address ?? "server",
      attempt,
    });
    const connection = await Connection.open(this.options.dialer, {
      clock: this.runtimeClock,
      keepalive: this.options.keepalive,
      onEvent: (event) => this.onEvent(event),
      onClose: (reason) => closed(reason),
    });
    this.address = connection.remote;
    let welcome: WelcomeReply;
    try {
      welcome = await connection.request({
        type: "identify",
        id: this.options.id,
        ...(this.options.token === undefined ? {} : { token: this.options.token }),
        agent: this.options.agent ?? "scalarbot/0.1",
      });
    } catch (error) {
      connection.close();
      if (error instanceof RequestError) throw error;
      return { welcomed: false, reason: describeCause(error) };
    }
    this.fullId = welcome.id;
    this.domain = welcome.server;
    this.bucket.configure(welcome.limits.rate, welcome.limits.burst);
    this.createSyncs(welcome.server);
    this.connection = connection;
    this.setStatus({
      type: "connected",
      address: connection.remote,
      id: welcome.id,
      server: welcome.server,
      ...(welcome.motd === undefined ? {} : { motd: welcome.motd }),
    });
    this.catchUp(connection).catch((error) => {
      if (!connection.isOpen) return;
      this.report(new RuntimeError(`${this.id}: catch-up failed, reconnecting`, error));
      connection.close("catch-up failed");
    });
    for (const waiter of this.waiters.splice(0)) waiter.resolve(connection);
    if (!this.startHooksRan) {
      this.startHooksRan = true;
      void (async () => {
        for (const hook of this.startHooks) await this.runHook(hook, "a start hook");
      })();
    }
    const reason = await whenClosed;
    this.connection = undefined;
    if (this.draining) this.rejectWaiters("the bot is stopping");
    for (const sync of this.syncs.values()) sync.disconnected();
    this.setStatus({
      type: "disconnected",
      address: connection.remote,
      reason: describeCause(reason),
    });
    return { welcomed: true, reason: describeCause(reason) };
  }

  private createSyncs(domain: string): void {
    if (this.syncs.size > 0) return;
    for (const topic of this.options.topics) {
      const full = parseName(topic, domain).full;
      if (this.syncs.has(full)) continue;
      const sync = new TopicSync(
        full,
        this.options.cursors.get(full),
        this.options.backlog ?? 0,
        (item) => this.enqueue(full, item, true),
        (error) => {
          if (!this.connection?.isOpen) return;
          this.report(new RuntimeError(`${this.id}: filling a gap in ${full} failed`, error));
          this.connection?.close("gap fill failed");
        },
      );
      this.syncs.set(full, sync);
    }
  }

  /** Subscribes every topic (pipelined), then pages each topic's history. */
  private async catchUp(connection: Connection): Promise<void> {
    const limit = this.options.historyPage ?? 100;
    const source: HistorySource = async (topic, after) => {
      // A server may rate-limit a burst of history pages: slow down, do not reconnect.
      for (let attempt = 1; ; attempt++) {
        try {
          return await connection.request({ type: "history", topic, after, limit });
        } catch (error) {
          if (!(error instanceof RequestError && error.code === "rate_limited") || attempt >= 10) {
            throw error;
          }
          await sleep(this.runtimeClock, 100 * attempt, this.abort.signal);
        }
      }
    };
    const syncs = [...this.syncs.values()];
    for (const sync of syncs) sync.beginSubscribe(source);
    const replies = await Promise.allSettled(
      syncs.map((sync) => connection.request({ type: "subscribe", topic: sync.topic })),
    );
    await Promise.all(
      syncs.map((sync, i) => {
        const reply = replies[i]!;
        if (reply.status === "fulfilled") return sync.subscribed(reply.value.seq);
        sync.disconnected();
        // A refused topic (forbidden, bad_topic, …) is reported; the others go on.
        if (reply.reason instanceof RequestError && !reply.reason.fatal) {
          this.report(
            new RuntimeError(`${this.id}: cannot subscribe to ${sync.topic}`, reply.reason),
          );
          return undefined;
        }
        throw reply.reason;
      }),
    );
  }

  private rejectWaiters(reason: string): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(new ConnectionClosedError(reason));
  }

  private whenConnected(): Promise<Connection> {
    if (this.connection?.isOpen) return Promise.resolve(this.connection);
    if (this.stopping !== undefined || this.currentStatus?.type === "gave_up") {
      return Promise.reject(new ConnectionClosedError("the bot is not connected"));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  // ------------------------------------------------------------- dispatch --

  private onEvent(event: EventFrame): void {
    if (this.draining) return;
    const sync = this.syncs.get(event.topic);
    if (sync !== undefined) sync.live(event);
    else this.enqueue(event.topic, { type: "event", event, replayed: false }, false);
  }

  /** Runs items of one topic strictly one after another. */
  private enqueue(topic: string, item: SyncItem, tracked: boolean): void {
    if (this.draining) return;
    const previous = this.queues.get(topic) ?? Promise.resolve();
    const next = previous.then(() => this.process(item, tracked));
    this.queues.set(topic, next);
    next.then(() => {
      if (this.queues.get(topic) === next) this.queues.delete(topic);
    });
  }

  private async process(item: SyncItem, tracked: boolean): Promise<void> {
    let topic: string;
    let seq: number;
    if (item.type === "event") {
      topic = item.event.topic;
      seq = item.event.seq;
      const ctx = this.eventContext(item.event, item.replayed, tracked);
      for (const r of this.registrations) {
        if (r.name !== "event" && r.name !== item.event.kind) continue;
        if (ctx.replayed && !r.options.replayed) continue;
        if (ctx.own && !(r.options.own ?? this.options.ownMessages ?? false)) continue;
        await this.invoke(r, ctx, { topic, seq });
      }
    } else if (item.type === "gap") {
      topic = item.topic;
      seq = item.to;
      const ctx = { bot: this as BotApi, topic, from: item.from, to: item.to, reason: item.reason };
      this.log.warn(`gap in ${topic}: seq ${item.from}..${item.to} (${item.reason})`);
      for (const r of this.registrations) {
        if (r.name === "gap") await this.invoke(r, ctx, { topic, seq });
      }
    } else {
      topic = item.topic;
      seq = item.seq;
    }
    if (!tracked) return;
    this.checkpoints.advance(topic, seq);
  }

  private eventContext(event: EventFrame, replayed: boolean, tracked: boolean): EventContext {
    const direct = event.topic === this.fullId;
    const replyTo = direct ? event.from : event.topic;
    return {
      ...eventView(event),
      bot: this,
      replayed,
      own: event.from === this.fullId,
      tracked,
      direct,
      reply: (text) => this.send(replyTo, text),
    };
  }

  private async invoke(
    r: Registration,
    ctx: EventContext | HandlerContexts["gap" | "status"],
    where?: { topic: string; seq: number },
  ): Promise<void> {
    try {
      await (r.handler as (ctx: unknown) => unknown)(ctx);
    } catch (error) {
      this.report(new HandlerError(this.id, r.plugin, r.name, where, error));
    }
  }

  private register<N extends HandlerName>(
    name: N,
    handler: Handler<N>,
    options: HandlerOptions,
    plugin: string,
  ): void {
    this.registrations.push({
      name,
      handler,
      options,
      plugin,
    });
  }

  private setStatus(status: Status): void {
    this.currentStatus = status;
    const ctx = { bot: this as BotApi, status };
    for (const r of this.registrations) {
      if (r.name === "status") void this.invoke(r, ctx);
    }
  }

  private report(error: Error): void {
    try {
      this.errorHandler(error);
    } catch (inner) {
      console.error(error, inner);
    }
  }
}
