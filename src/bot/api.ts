/**
 * The plugin contract: what a plugin module exports and what it may do with
 * its bot. Each plugin gets its own view of the bot (`BotApi`): a middleware
 * chain of its own (`use`, `on`, `hears`, `command`), its own store, timers
 * and log, released together when the bot stops. See docs/plugins.md.
 *
 * @example
 * ```ts
 * import { definePlugin } from "scalarbot/plugins";
 * export default definePlugin({
 *   name: "ping",
 *   setup(bot) {
 *     bot.command("ping", { help: "answers pong" }, (ctx) => ctx.reply("pong"));
 *   },
 * });
 * ```
 */
import type { z } from "zod";
import type { Clock } from "../client/clock.ts";
import type { Status } from "../client/status.ts";
import type { EventFrame, SentReply } from "../protocol/index.ts";
import type { CommandRegistry, ParsedArgs } from "./commands.ts";
import type {
  ChainContext,
  Composer,
  EventName,
  Filter,
  Listener,
  ListenOptions,
} from "./composer.ts";
import type { AskOptions } from "./conversations/ask.ts";
import type { Conversation, ConversationSpec } from "./conversations/conversation.ts";
import type { HttpRoutes } from "./routes.ts";
import type { AtOptions } from "./state/reminders.ts";
import type { SessionOptions } from "./state/session.ts";
import type { Store } from "./store.ts";

export type { CommandExample, CommandSpec } from "./commands.ts";
export type {
  CommandContext,
  EventName,
  HearsContext,
  Middleware,
  NextFunction,
} from "./composer.ts";
export {
  AskCancelledError,
  type AskEndReason,
  AskError,
  type AskOptions,
} from "./conversations/ask.ts";
export type {
  Answers,
  Conversation,
  ConversationSpec,
  ConversationState,
  ConversationStep,
} from "./conversations/conversation.ts";
export type { CooldownSpec } from "./cooldown.ts";
export type { BotObserver } from "./observe.ts";
export type { HttpRoutes, RouteContext, RouteHandler, RouteMethod } from "./routes.ts";
export { parseDuration, parseSchedule, type Schedule } from "./schedule.ts";
export type { AtOptions, MissedPolicy } from "./state/reminders.ts";
export type { SessionOptions, SessionScope } from "./state/session.ts";
export type { Store } from "./store.ts";

export type EventKind = "message" | "join" | "leave";

/** What a handler of `event`, `message`, `join` or `leave` receives. */
/** An event as plugins (and test users) see it: names in full form, `at` a Date. */
export interface EventView {
  /** Full topic name, e.g. `#general@localhost`. */
  readonly topic: string;
  readonly seq: number;
  /** When the server stamped the event (UTC). */
  readonly at: Date;
  readonly from: string;
  readonly kind: EventKind;
  /** The text body; empty for join/leave. */
  readonly body: string;
  readonly contentType: string | undefined;
  readonly data: Uint8Array | undefined;
}

/** The view of a wire event. */
export function eventView(event: EventFrame): EventView {
  return {
    topic: event.topic,
    seq: event.seq,
    at: event.at.toDate(),
    from: event.from,
    kind: event.kind,
    body: event.body ?? "",
    contentType: event.content_type,
    data: event.data,
  };
}

export interface EventContext extends EventView {
  readonly bot: BotApi;
  /** True when the event came from history (catch-up) rather than live. */
  readonly replayed: boolean;
  /** True when the bot itself sent it. */
  readonly own: boolean;
  /** True for the bot's configured topics (cursor kept); false for direct messages and the wall. */
  readonly tracked: boolean;
  /** True for a direct message (the topic is the bot's own ID). */
  readonly direct: boolean;
  /**
   * The topic's sequence space (protocol §5 Epochs): topic, epoch and seq
   * name one event. Undefined for untracked topics and servers without epochs.
   */
  readonly epoch: string | undefined;
  /** Sends `text` where the event came from: the topic, or the sender of a direct message. */
  reply(text: string): Promise<SentReply[]>;
}

/** Seqs the bot will never see: history no longer had them. */
export interface GapContext {
  readonly bot: BotApi;
  readonly topic: string;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  readonly epoch: string | undefined;
}

/**
 * A topic's numbering started again (a server that keeps history in memory
 * restarted): what follows is a new epoch, from seq 1.
 */
export interface ResetContext {
  readonly bot: BotApi;
  readonly topic: string;
  /** The epoch read so far (undefined from a server without epochs). */
  readonly previousEpoch: string | undefined;
  readonly epoch: string | undefined;
  /** The last seq handled in the previous numbering. */
  readonly lastSeq: number;
}

export interface StatusContext {
  readonly bot: BotApi;
  readonly status: Status;
}

/** What a `reminder` handler receives: a reminder set with `bot.at`, come due. */
export interface ReminderContext {
  readonly bot: BotApi;
  /** The key it was set with. */
  readonly key: string;
  /** The payload it was set with (through JSON). */
  readonly payload: unknown;
  /** When it was due. */
  readonly due: Date;
  /** True when it came due while the bot was down and fires now, after a start. */
  readonly late: boolean;
  readonly store: Store;
  readonly log: Log;
  send(topic: string, text: string): Promise<SentReply[]>;
}

export interface HandlerContexts {
  event: Context;
  message: Context;
  join: Context;
  leave: Context;
  gap: GapContext;
  reset: ResetContext;
  status: StatusContext;
  reminder: ReminderContext;
}
export type HandlerName = keyof HandlerContexts;
/** Handlers outside the middleware chain: `bot.on(name, handler)` registers them directly. */
export type SideHandlerName = "gap" | "reset" | "status" | "reminder";
export type Handler<N extends HandlerName> = (ctx: HandlerContexts[N]) => unknown;

export interface HandlerOptions {
  /**
   * Also receive events replayed from history. Default false: a responding
   * bot should not answer old messages; recorders (the logger) set it.
   */
  replayed?: boolean;
  /** Also receive the bot's own messages. Default: the bot's `ownMessages` setting. */
  own?: boolean;
}

/** Human-readable log lines (the runner prints them with time and bot id). */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A `history` query: exactly one of `last`, `after`, `since` (default `last: 20`). */
export interface HistoryQuery {
  /** The latest `last` events. */
  last?: number;
  /** Events after this seq. */
  after?: number;
  /** Events at or after this time. */
  since?: Date;
  /** At most this many events (the server may cap it lower). */
  limit?: number;
}

/** One event as history returns it. */
/** An event from `history`. */
export type HistoryEvent = EventView;

/**
 * What a plugin's handlers receive for an event: the event, and what the
 * plugin may do in answer. `bot` is the plugin's own view of the bot.
 */
export interface Context extends EventContext, Omit<ChainContext, keyof EventContext> {
  readonly bot: BotApi;
  /** Captures of the `hears` pattern that matched. */
  match?: RegExpMatchArray | undefined;
  /** The command that matched and its parsed arguments. */
  command?: { name: string; args: ParsedArgs } | undefined;
  /** The plugin's persistent key-value store. */
  readonly store: Store;
  readonly log: Log;
  /** Sends `text` to `topic` (a channel, or an ID for a direct message). */
  send(topic: string, text: string): Promise<SentReply[]>;
  /** Sends a direct message to `id` (`bob` means `bob@<the bot's domain>`). */
  dm(id: string, text: string): Promise<SentReply[]>;
  /** Past events of this event's topic, through the bot's connection. */
  history(query?: HistoryQuery): Promise<HistoryEvent[]>;
  /**
   * True when the message answered someone waiting for its sender (an
   * open `ask`, a conversation): `hears` and `command` skip it, listeners see it.
   */
  readonly answered: boolean;
  /**
   * Sends `question` and resolves with the context of the next message of
   * the same sender in the same topic (or direct messages) that matches,
   * or undefined when `within` (default `5m`, plugin clock) passed, or the
   * sender started a command or said `!cancel`. The handler does not hold
   * its topic meanwhile. Rejects with `AskCancelledError` when the bot
   * stops or the plugin is released (see docs/conversations.md).
   *
   * @example
   * ```ts
   * const name = await ctx.ask("name?", { within: "2m" });
   * if (name === undefined) return ctx.reply("never mind");
   * ```
   */
  ask(question: string, options?: AskOptions<Context>): Promise<Context | undefined>;
}

/** What an `every` callback receives. */
export interface TickContext {
  readonly bot: BotApi;
  /** When this run was due (by the plugin clock). */
  readonly at: Date;
  readonly store: Store;
  readonly log: Log;
  send(topic: string, text: string): Promise<SentReply[]>;
}

export interface EveryOptions {
  /** IANA time zone for a cron expression (default: the process's local time). */
  timezone?: string;
}

/** A schedule made with `every`. */
export interface Timer {
  /** When it fires next (undefined once stopped or when a cron expression has no next run). */
  readonly next: Date | undefined;
  stop(): void;
}

/** A context with the session of `bot.session`. */
export type SessionContext<T> = Context & { session: T };

/** The chain methods every sub-chain has. */
export type Chain = Composer<Context>;

/**
 * What a plugin's `setup` receives: its view of the bot. Handlers it
 * registers form the plugin's own middleware chain; every plugin's chain
 * sees every event.
 */
export interface BotApi {
  /** The bot's ID as configured (full form once connected). */
  readonly id: string;
  /** The configured topics, as written in the configuration. */
  readonly topics: readonly string[];
  readonly log: Log;
  /** The plugin's persistent key-value store (JSON values, kept in the bot's state folder). */
  readonly store: Store;
  /** Where plugin time comes from (`every`, cooldowns); the system clock unless a test injects one. */
  readonly clock: Clock;
  /** Every command of the bot (all plugins): what `!help` lists. */
  readonly commands: Pick<CommandRegistry, "find" | "list" | "suggest">;
  /** The text that starts a command (`!`). */
  readonly prefix: string;
  /** Whether `id` is one of the bot's configured `admins`. */
  isAdmin(id: string): boolean;

  /** Gap, reset, status and reminder handlers (not part of the chain). */
  on<N extends SideHandlerName>(name: N, handler: Handler<N>, options?: HandlerOptions): void;
  /**
   * Listens to events of a kind (`message`, `join`, `leave`, or `event` for
   * all) or passing a filter. The listener never stops the chain; replayed
   * events and the bot's own messages only when `options` ask.
   * Returns a sub-chain for the same events.
   */
  on(
    kind: EventName | Filter<Context>,
    listener?: Listener<Context>,
    options?: ListenOptions,
  ): Chain;
  use: Chain["use"];
  filter: Chain["filter"];
  hears: Chain["hears"];
  command: Chain["command"];

  /**
   * Runs `fn` on a schedule: a duration (`30s`, `5m`, `2h`, `1d`, `1h30m`)
   * or a cron expression (`0 9 * * 1-5`). Stopped when the bot stops.
   */
  every(schedule: string, fn: (tick: TickContext) => unknown, options?: EveryOptions): Timer;

  /**
   * A step conversation kept in the state database and saved with the
   * cursors: it survives restarts and crashes, each answer applied once.
   * Registers `!<name>` to start it (see docs/conversations.md).
   */
  conversation(name: string, spec: ConversationSpec): Conversation;
  /**
   * A sub-chain whose handlers get `ctx.session`: a JSON value per user,
   * topic or user and topic, read before them and saved after them with
   * the cursor of their event; one handler of a key at a time.
   *
   * @example
   * ```ts
   * bot.session({ per: "user", initial: () => ({ visits: 0 }) })
   *   .command("visits", (ctx) => ctx.reply(String(++ctx.session.visits)));
   * ```
   */
  session<T>(options: SessionOptions<T>): Composer<SessionContext<T>>;
  /**
   * Sets the one-shot reminder `key` (setting it again moves it): at a
   * `Date`, a time in ms, or after a duration (`"10m"`, plugin clock).
   * Stored at once; fires to `on("reminder")` handlers, after a restart
   * too (missed ones fire late once, or are dropped with `{ missed: "drop" }`).
   * Returns when it is due.
   */
  at(when: Date | number | string, key: string, payload?: unknown, options?: AtOptions): Date;
  /** Deletes the reminder `key`; false when there was none. */
  cancelAt(key: string): boolean;

  /** Publishes `text` on `topic`, split into several messages when it does not fit one. */
  send(topic: string, text: string): Promise<SentReply[]>;
  /** Sends a direct message to `id`. */
  dm(id: string, text: string): Promise<SentReply[]>;
  /** Past events of `topic`, through the bot's connection (waits for one). */
  history(topic: string, query?: HistoryQuery): Promise<HistoryEvent[]>;
  /** Called once, when the bot is first connected. */
  onStart(fn: () => unknown): void;
  /** Called when the bot stops, after the last handler finished (close files here). */
  onStop(cleanup: () => unknown): void;
  /**
   * Called before the runtime saves its cursors: make durable (fsync) what
   * handlers did for the events handled so far. Runs once per burst of
   * events, not per event, so one fsync covers many.
   */
  onCheckpoint(fn: () => unknown): void;
  /** Resolves a path relative to the configuration file's folder. */
  resolve(path: string): string;
  /**
   * The plugin's HTTP routes, served under `/bots/<bot id>/` by the
   * configuration's `http` listener; dropped when the plugin stops.
   */
  readonly http: HttpRoutes;
}

/** What a plugin module exports (as `default`, or a named `setup`). */
export interface Plugin<O = unknown> {
  /** Shown in logs and errors, and names its store; defaults to the name in the configuration. */
  name?: string;
  /** Validates and defaults the `with:` options. */
  options?: z.ZodType<O>;
  /** Registers handlers, commands and schedules. Runs before the bot connects. */
  setup(bot: BotApi, options: O): void | Promise<void>;
  /** Called once, when the bot is first connected (after `setup`). */
  start?(bot: BotApi, options: O): unknown;
  /** Called when the bot stops, after the last handler finished. */
  stop?(bot: BotApi, options: O): unknown;
}

/**
 * Types a plugin's options from its schema.
 *
 * @example
 * ```ts
 * export default definePlugin({
 *   name: "hello",
 *   options: z.object({ word: z.string().default("hello") }),
 *   setup(bot, { word }) {
 *     bot.command("hello", (ctx) => ctx.reply(`${word}, ${ctx.from}`));
 *   },
 * });
 * ```
 */
export function definePlugin<O>(plugin: Plugin<O>): Plugin<O> {
  return plugin;
}

/** Runs a plugin's `setup` on `bot` and hooks its `start` and `stop` to the bot's. */
export async function installPlugin<O>(plugin: Plugin<O>, bot: BotApi, options: O): Promise<void> {
  await plugin.setup(bot, options);
  const { start, stop } = plugin;
  if (start !== undefined) bot.onStart(() => start.call(plugin, bot, options));
  if (stop !== undefined) bot.onStop(() => stop.call(plugin, bot, options));
}
