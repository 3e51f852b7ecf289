/**
 * The plugin contract: what a plugin module exports and what it may do with
 * its bot. Small on purpose; handlers get a typed context so a middleware
 * layer can wrap them later without changing plugins.
 *
 * @example
 * ```ts
 * import { definePlugin } from "../src/plugins/api.ts";
 * export default definePlugin({
 *   setup(bot) {
 *     bot.on("message", async (ctx) => {
 *       if (ctx.body === "!ping") await ctx.reply("pong");
 *     });
 *   },
 * });
 * ```
 */
import type { z } from "zod";
import type { SentReply } from "../protocol/index.ts";
import type { Status } from "../runtime/status.ts";

export type EventKind = "message" | "join" | "leave";

/** What a handler of `event`, `message`, `join` or `leave` receives. */
export interface EventContext {
  readonly bot: BotApi;
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
  /** True when the event came from history (catch-up) rather than live. */
  readonly replayed: boolean;
  /** True when the bot itself sent it. */
  readonly own: boolean;
  /** True for the bot's configured topics (cursor kept); false for direct messages and the wall. */
  readonly tracked: boolean;
  /** True for a direct message (the topic is the bot's own ID). */
  readonly direct: boolean;
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
}

export interface StatusContext {
  readonly bot: BotApi;
  readonly status: Status;
}

export interface HandlerContexts {
  event: EventContext;
  message: EventContext;
  join: EventContext;
  leave: EventContext;
  gap: GapContext;
  status: StatusContext;
}
export type HandlerName = keyof HandlerContexts;
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

/** What a plugin's `setup` receives. */
export interface BotApi {
  /** The bot's ID as configured (full form once connected). */
  readonly id: string;
  /** The configured topics, as written in the configuration. */
  readonly topics: readonly string[];
  readonly log: Log;
  /** Registers a handler; handlers of one topic run one event at a time, in seq order. */
  on<N extends HandlerName>(name: N, handler: Handler<N>, options?: HandlerOptions): void;
  /** Publishes `text` on `topic`, split into several messages when it does not fit one. */
  send(topic: string, text: string): Promise<SentReply[]>;
  /** Called when the bot stops, after the last handler finished (close files here). */
  onStop(cleanup: () => unknown): void;
  /** Resolves a path relative to the configuration file's folder. */
  resolve(path: string): string;
}

/** What a plugin module exports (as `default`, or a named `setup`). */
export interface Plugin<O = unknown> {
  /** Shown in logs and errors; defaults to the name in the configuration. */
  name?: string;
  /** Validates and defaults the `with:` options. */
  options?: z.ZodType<O>;
  setup(bot: BotApi, options: O): void | Promise<void>;
}

/** Identity helper that types a plugin's options from its schema. */
export function definePlugin<O>(plugin: Plugin<O>): Plugin<O> {
  return plugin;
}
