/**
 * An event as one plugin sees it (`Context`): the event, what the plugin
 * may do in answer, and `ask`. Each plugin gets its own context for each
 * event; the contexts of one handler's answers share its run.
 */
import type { SentReply } from "../protocol/index.ts";
import type {
  AskOptions,
  BotApi,
  Context,
  EventContext,
  HistoryEvent,
  HistoryQuery,
  Log,
} from "./api.ts";
import type { HandlerRun } from "./conversations/run.ts";
import type { Position } from "./state/durable.ts";
import type { Store } from "./store.ts";

/** What a context needs from its plugin's view of the bot. */
export interface ContextHost {
  readonly bot: BotApi;
  readonly store: Store;
  readonly log: Log;
  send(topic: string, text: string): Promise<SentReply[]>;
  dm(id: string, text: string): Promise<SentReply[]>;
  history(topic: string, query?: HistoryQuery): Promise<HistoryEvent[]>;
  ask(
    ctx: PluginContext,
    run: HandlerRun,
    question: string,
    options?: AskOptions<Context>,
  ): Promise<Context | undefined>;
}

/** The dispatcher's own fields on an event's context. */
export interface Dispatched {
  /** Set by the router when the message answered someone waiting. */
  answered: boolean;
  /** The dispatch generation the event was handed on in (a rewind starts a new one). */
  readonly generation: number;
}

export class PluginContext implements Context {
  readonly bot: BotApi;
  readonly topic: string;
  readonly seq: number;
  readonly at: Date;
  readonly from: string;
  readonly kind: EventContext["kind"];
  readonly body: string;
  readonly contentType: string | undefined;
  readonly data: Uint8Array | undefined;
  readonly replayed: boolean;
  readonly own: boolean;
  readonly tracked: boolean;
  readonly direct: boolean;
  readonly epoch: string | undefined;
  readonly answered: boolean;
  readonly store: Store;
  readonly log: Log;
  match: RegExpMatchArray | undefined;
  command: Context["command"];

  constructor(
    private readonly event: EventContext,
    private readonly host: ContextHost,
    /** The handler run this context belongs to (answers share the asker's). */
    readonly run: HandlerRun,
  ) {
    this.bot = host.bot;
    this.topic = event.topic;
    this.seq = event.seq;
    this.at = event.at;
    this.from = event.from;
    this.kind = event.kind;
    this.body = event.body;
    this.contentType = event.contentType;
    this.data = event.data;
    this.replayed = event.replayed;
    this.own = event.own;
    this.tracked = event.tracked;
    this.direct = event.direct;
    this.epoch = event.epoch;
    this.answered = (event as Partial<Dispatched>).answered === true;
    this.store = host.store;
    this.log = host.log;
  }

  /** The event's place for state saved with the cursors; undefined when no cursor covers it. */
  get position(): Position | undefined {
    const generation = (this.event as Partial<Dispatched>).generation;
    if (!this.tracked || generation === undefined) return undefined;
    return { topic: this.topic, seq: this.seq, epoch: this.epoch, generation };
  }

  /** The dispatcher's context of the event (the one every plugin's context is made from). */
  get source(): EventContext {
    return this.event;
  }

  reply(text: string): Promise<SentReply[]> {
    return this.event.reply(text);
  }

  send(topic: string, text: string): Promise<SentReply[]> {
    return this.host.send(topic, text);
  }

  dm(id: string, text: string): Promise<SentReply[]> {
    return this.host.dm(id, text);
  }

  history(query?: HistoryQuery): Promise<HistoryEvent[]> {
    return this.host.history(this.topic, query);
  }

  ask(question: string, options?: AskOptions<Context>): Promise<Context | undefined> {
    return this.host.ask(this, this.run, question, options);
  }
}
