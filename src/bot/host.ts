/**
 * One plugin's view of its bot (`BotApi`): its own middleware chain, store,
 * log and timers, over the bot's shared command registry, cooldowns and
 * connection. The bot runs each plugin's chain for every event, in the
 * order the plugins were set up; `release` drops all of a plugin's
 * handlers, commands, timers and HTTP routes at once, and `retire` (a
 * plugin replaced or removed while its bot runs on) its hooks as well.
 */

import type { Clock } from "../client/clock.ts";
import type { SentReply } from "../protocol/index.ts";
import type {
  BotApi,
  Chain,
  Context,
  EventContext,
  EveryOptions,
  Handler,
  HandlerName,
  HandlerOptions,
  HistoryEvent,
  HistoryQuery,
  Log,
  SessionContext,
  SideHandlerName,
  TickContext,
  Timer,
} from "./api.ts";
import type { CommandRegistry } from "./commands.ts";
import {
  type ChainSettings,
  Composer,
  type EventName,
  type Filter,
  type Listener,
  type ListenOptions,
} from "./composer.ts";
import { type ContextHost, PluginContext } from "./context.ts";
import { AskCancelledError, askQuestion } from "./conversations/ask.ts";
import type { Conversation, ConversationSpec } from "./conversations/conversation.ts";
import type { RoutedEvent } from "./conversations/router.ts";
import { HandlerRun, type RunOwner } from "./conversations/run.ts";
import { PluginTimers } from "./plugin-timers.ts";
import type { ReloadReport } from "./reload.ts";
import { type HttpRoutes, pluginRoutes, type RouteTable } from "./routes.ts";
import type { BotState } from "./state/bot-state.ts";
import { PluginState } from "./state/plugin-state.ts";
import type { AtOptions } from "./state/reminders.ts";
import type { SessionOptions } from "./state/session.ts";
import type { Store } from "./store.ts";

/** What a plugin view needs from its bot. */
export interface PluginHostBot {
  readonly id: string;
  readonly topics: readonly string[];
  readonly pluginClock: Clock;
  /** Shared by every plugin of the bot: one registry, one set of cooldowns. */
  readonly chainSettings: ChainSettings;
  register<N extends HandlerName>(
    name: N,
    handler: Handler<N>,
    options: HandlerOptions,
    plugin: string,
  ): void;
  unregister(plugin: string): void;
  send(topic: string, text: string): Promise<SentReply[]>;
  history(topic: string, query?: HistoryQuery): Promise<HistoryEvent[]>;
  store(plugin: string): Store;
  report(error: Error): void;
  pluginError(plugin: string, registration: string, ctx: unknown, error: unknown): void;
  /** Each returns a function that takes the hook off the bot again. */
  onStart(fn: () => unknown): () => void;
  onStop(fn: () => unknown): () => void;
  onCheckpoint(fn: () => unknown): () => void;
  /** Reloads plugins of the bot from disk (see `reloadPlugins`). */
  reload(plugin: string | undefined): Promise<ReloadReport>;
  resolve(path: string): string;
  /** Whether the bot's `start` was called (timers run from then on). */
  readonly started: boolean;
  /** The bot's HTTP routes, every plugin's. */
  readonly routes: RouteTable;
  /** Questions, conversations, sessions and reminders: the bot's state beyond cursors. */
  readonly state: BotState;
}

export class PluginHost implements BotApi {
  readonly chain: Composer<Context>;
  readonly store: Store;
  readonly http: HttpRoutes;
  private readonly timers: PluginTimers;
  /** Its stop hooks, and what takes each of its hooks off the bot (for `retire`). */
  private readonly stopHooks: (() => unknown)[] = [];
  private readonly unhook: (() => void)[] = [];
  private attached = false;
  private released = false;
  /** What the plugin's contexts use of it. */
  private readonly contexts: ContextHost;
  /** Its conversations, sessions and reminders. */
  private readonly state: PluginState;

  constructor(
    private readonly bot: PluginHostBot,
    readonly name: string,
    readonly log: Log,
  ) {
    this.store = bot.store(name);
    this.chain = new Composer<Context>({
      ...bot.chainSettings,
      plugin: name,
      report: (error, registration, ctx) => bot.pluginError(name, registration, ctx, error),
    });
    this.contexts = {
      bot: this,
      store: this.store,
      log,
      send: (topic, text) => this.send(topic, text),
      dm: (id, text) => this.dm(id, text),
      history: (topic, query) => this.history(topic, query),
      ask: (ctx, run, question, options) =>
        askQuestion<Context, RoutedEvent>(
          {
            plugin: name,
            botId: bot.id,
            router: bot.state.router,
            send: (topic, text) => this.send(topic, text),
            answerFor: (event) =>
              new PluginContext(event as unknown as EventContext, this.contexts, run),
          },
          ctx,
          run,
          question,
          options,
        ),
    };
    this.state = this.makeState();
    this.timers = new PluginTimers({
      clock: bot.pluginClock,
      warn: (message) => log.warn(message),
      failed: (what, error) => bot.pluginError(name, what, undefined, error),
      tickContext: (at) => ({
        bot: this,
        at,
        store: this.store,
        log,
        send: (topic, text) => this.send(topic, text),
      }),
    });
    this.http = pluginRoutes(
      bot.routes,
      name,
      { bot: this, store: this.store, log },
      (route, error) => bot.pluginError(name, route, undefined, error),
      () => this.released,
    );
  }

  get id(): string {
    return this.bot.id;
  }

  get topics(): readonly string[] {
    return this.bot.topics;
  }

  get clock(): Clock {
    return this.bot.pluginClock;
  }

  get commands(): Pick<CommandRegistry, "find" | "list" | "suggest"> {
    return this.bot.chainSettings.commands;
  }

  get prefix(): string {
    return this.bot.chainSettings.prefix;
  }

  isAdmin(id: string): boolean {
    return this.bot.chainSettings.isAdmin(id);
  }

  // --------------------------------------------------------------- chain --

  /** Registers the plugin's chain with the bot on first use. */
  private attach(): Composer<Context> {
    if (!this.attached && !this.released) {
      this.attached = true;
      this.bot.register(
        "event",
        (ctx) => this.dispatch(ctx),
        { replayed: true, own: true },
        this.name,
      );
    }
    return this.chain;
  }

  /**
   * Runs the plugin's chain for one event, with a context of its own;
   * resolves when the chain finished, or parked on a question.
   */
  dispatch(event: EventContext): Promise<void> {
    const ctx = this.contextFor(event);
    return ctx.run.first(this.chain.run(ctx));
  }

  on<N extends SideHandlerName>(name: N, handler: Handler<N>, options?: HandlerOptions): void;
  on(
    kind: EventName | Filter<Context>,
    listener?: Listener<Context>,
    options?: ListenOptions,
  ): Chain;
  on(
    kind: EventName | SideHandlerName | Filter<Context>,
    listener?: (ctx: never) => unknown,
    options: ListenOptions = {},
  ): Chain | undefined {
    if (kind === "reminder") {
      if (listener !== undefined && !this.released) {
        this.state.onReminder(listener as Handler<"reminder">);
      }
      return undefined;
    }
    if (kind === "gap" || kind === "reset" || kind === "status") {
      if (listener !== undefined && !this.released) {
        this.bot.register(kind, listener as Handler<typeof kind>, options, this.name);
      }
      return undefined;
    }
    return this.attach().on(kind, listener as Listener<Context> | undefined, options);
  }

  get use(): Chain["use"] {
    const chain = this.attach();
    return chain.use.bind(chain);
  }

  get filter(): Chain["filter"] {
    const chain = this.attach();
    return chain.filter.bind(chain);
  }

  get hears(): Chain["hears"] {
    const chain = this.attach();
    return chain.hears.bind(chain);
  }

  get command(): Chain["command"] {
    const chain = this.attach();
    return chain.command.bind(chain) as Chain["command"];
  }

  // ------------------------------------------------------------- timers --

  every(schedule: string, fn: (tick: TickContext) => unknown, options: EveryOptions = {}): Timer {
    return this.timers.every(schedule, fn, options, this.bot.started && !this.released);
  }

  /** Arms the plugin's timers, conversation timeouts and reminders (the bot started). */
  startTimers(): void {
    if (this.released) return;
    this.timers.start();
    this.state.startTimers();
  }

  /** Stops the timers; resolves when runs in progress have finished. */
  async stopTimers(): Promise<void> {
    this.timers.stop();
    await this.state.stopTimers();
    await this.timers.settled();
  }

  // ------------------------------------------- conversations and state --

  conversation(name: string, spec: ConversationSpec): Conversation {
    const start = (command: string, begin: (ctx: Context) => Promise<void>) => {
      const help = spec.command === false ? {} : (spec.command ?? {});
      this.command(command, { ...help, replayed: true }, (ctx) => begin(ctx));
    };
    return this.state.conversation(name, spec, start, this.bot.started && !this.released);
  }

  session<T>(options: SessionOptions<T>): Composer<SessionContext<T>> {
    const chain = this.attach().use(this.state.session(options));
    return chain as unknown as Composer<SessionContext<T>>;
  }

  at(when: Date | number | string, key: string, payload?: unknown, options?: AtOptions): Date {
    return this.state.at(when, key, payload, options);
  }

  cancelAt(key: string): boolean {
    return this.state.cancelAt(key);
  }

  private makeState(): PluginState {
    const { bot, name } = this;
    return new PluginState({
      plugin: name,
      prefix: bot.chainSettings.prefix,
      clock: bot.pluginClock,
      durable: bot.state.durable,
      router: bot.state.router,
      reminders: bot.state.reminders,
      log: this.log,
      track: (work) => bot.state.track(work),
      contextFor: (event) => this.contextFor(event as unknown as EventContext),
      reminderContext: (reminder) => ({
        bot: this,
        ...reminder,
        store: this.store,
        log: this.log,
        send: (topic, text) => this.send(topic, text),
      }),
      send: (topic, text) => this.send(topic, text),
      failed: (what, ctx, error) => bot.pluginError(name, what, ctx, error),
    });
  }

  /** A context of the plugin for `event`, on a handler run of its own. */
  private contextFor(event: EventContext): PluginContext {
    return new PluginContext(event, this.contexts, new HandlerRun(this.runs, event));
  }

  /** Where late failures of the plugin's handler runs go (one object for all of them). */
  private readonly runs: RunOwner = {
    failed: (ctx, error) => this.bot.pluginError(this.name, "event", ctx, error),
  };

  /** Drops every handler, command, route and timer of the plugin. */
  release(): void {
    this.released = true;
    this.timers.stop();
    this.chain.clear();
    this.bot.chainSettings.commands.release(this.name);
    this.bot.unregister(this.name);
    this.bot.state.router.release(this.name, new AskCancelledError("released"));
    void this.state.stopTimers();
    this.bot.routes.remove(this.name);
  }

  // ----------------------------------------------------------- messaging --

  send(topic: string, text: string): Promise<SentReply[]> {
    return this.bot.send(topic, text);
  }

  dm(id: string, text: string): Promise<SentReply[]> {
    return this.bot.send(fullId(id, this.bot.id), text);
  }

  history(topic: string, query?: HistoryQuery): Promise<HistoryEvent[]> {
    return this.bot.history(topic, query);
  }

  onStart(fn: () => unknown): void {
    this.unhook.push(this.bot.onStart(fn));
  }

  onStop(cleanup: () => unknown): void {
    this.stopHooks.push(cleanup);
    this.unhook.push(this.bot.onStop(cleanup));
  }

  onCheckpoint(fn: () => unknown): void {
    this.unhook.push(this.bot.onCheckpoint(fn));
  }

  /**
   * Takes the plugin off a bot that runs on (it is replaced or removed):
   * released, its schedule runs and reminders finished, its hooks taken
   * off the bot, then its stop hooks run, each through `run`.
   */
  async retire(run: (hook: () => unknown) => Promise<void>): Promise<void> {
    this.release();
    await this.stopTimers();
    for (const unhook of this.unhook.splice(0)) unhook();
    for (const hook of this.stopHooks.splice(0)) await run(hook);
  }

  /** See `reloadPlugins`. */
  reloadPlugins(plugin?: string): Promise<ReloadReport> {
    return this.bot.reload(plugin);
  }

  resolve(path: string): string {
    return this.bot.resolve(path);
  }
}

/** `bob` is `bob@<domain of the bot>`. */
export function fullId(id: string, botId: string): string {
  if (id.includes("@")) return id;
  const at = botId.indexOf("@");
  return at < 0 ? id : `${id}${botId.slice(at)}`;
}
