import type { SyncItem } from "../client/catch-up.ts";
import { type Clock, describeDuration } from "../client/clock.ts";
import type { Status } from "../client/status.ts";
import type { EventFrame, SentReply } from "../protocol/index.ts";
import {
  type BotApi,
  type EventContext,
  eventView,
  type HandlerContexts,
  type HandlerName,
  type HandlerOptions,
  type Log,
} from "./api.ts";
import type { Checkpoints } from "./checkpoint.ts";
import type { Dispatched } from "./context.ts";
import type { Routed, Router } from "./conversations/router.ts";
import { HandlerError } from "./errors.ts";
import type { BotObserver } from "./observe.ts";

export interface Registration {
  name: HandlerName;
  /** An event registration gets the bare `EventContext`; a plugin's chain wraps it. */
  handler: (ctx: never) => unknown;
  options: HandlerOptions;
  plugin: string;
}

/** A handler still running: what a slow-handler warning and a stop report name. */
export interface Running {
  plugin: string;
  event: string;
  topic: string | undefined;
  seq: number | undefined;
  since: number;
}

export interface DispatcherOptions {
  bot: BotApi;
  /** The bot's ID now (full once welcomed). */
  id(): string;
  registrations(): readonly Registration[];
  ownMessages: boolean;
  send(topic: string, text: string): Promise<SentReply[]>;
  checkpoints: Checkpoints;
  /** Asked first about each message while someone waits for an answer. */
  router?: Router;
  log: Log;
  report(error: Error): void;
  status(status: Status): void;
  /** For the slow-handler watchdog. */
  clock: Clock;
  /** A handler running longer than this (ms) is warned about, once. */
  slowHandlerAfter: number;
}

/**
 * Hands a bot's items to its handlers: one topic's items strictly one after
 * another, topics side by side; cursors move only once every handler of an
 * item finished. A watchdog names handlers that run too long, and `discard`
 * drops what is queued when the bot rewinds to its saved cursors.
 */
export class Dispatcher {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly running = new Map<object, Running>();
  private watchdog: unknown;
  private generation = 0;
  private closed = false;
  /** Sees events and handler times (the metrics layer); undefined costs one branch. */
  observer: BotObserver | undefined;

  constructor(private readonly options: DispatcherOptions) {}

  /** Bumped by `discard`: work of an older generation moves no cursor and saves no state. */
  get currentGeneration(): number {
    return this.generation;
  }

  /** True while some item is queued or being handled. */
  get busy(): boolean {
    return this.queues.size > 0;
  }

  /** Handlers running now. */
  inFlight(): Running[] {
    return [...this.running.values()];
  }

  /** Resolves when every queued item has been handled. */
  async drained(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }

  /** No item is accepted from now on. */
  close(): void {
    this.closed = true;
    if (this.watchdog !== undefined) this.options.clock.clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** Queued items are skipped, and running ones move no cursor. */
  discard(): void {
    this.generation++;
  }

  enqueue(topic: string, item: SyncItem, tracked: boolean): void {
    if (this.closed) return;
    const generation = this.generation;
    const previous = this.queues.get(topic) ?? Promise.resolve();
    const next = previous.then(() =>
      generation === this.generation ? this.process(item, tracked, generation) : undefined,
    );
    this.queues.set(topic, next);
    next.then(() => {
      if (this.queues.get(topic) === next) this.queues.delete(topic);
    });
  }

  private async process(item: SyncItem, tracked: boolean, generation: number): Promise<void> {
    const { checkpoints, log } = this.options;
    switch (item.type) {
      case "event": {
        const { topic, seq } = item.event;
        const ctx = this.eventContext(item, tracked, generation);
        this.observer?.event?.(topic, item.event.kind);
        const router = this.options.router;
        if (router?.active === true) {
          // Someone may be waiting for this message's sender: the asker it
          // resumes (or a conversation's step) handles it first.
          const routed = router.route(ctx);
          if (routed !== undefined) await this.hold(routed, topic, seq);
        }
        for (const r of this.options.registrations()) {
          // Discarded meanwhile (a rewind): the rest of its handlers get it again later.
          if (generation !== this.generation) return;
          if (r.name !== "event" && r.name !== item.event.kind) continue;
          if (ctx.replayed && !r.options.replayed) continue;
          if (ctx.own && !(r.options.own ?? this.options.ownMessages)) continue;
          await this.invoke(r, ctx, topic, seq, item.event.kind);
        }
        if (tracked && generation === this.generation) checkpoints.advance(topic, seq, item.epoch);
        return;
      }
      case "gap": {
        const { topic, from, to, reason, epoch } = item;
        log.warn(`gap in ${topic}: seq ${from}..${to} (${reason})`);
        const ctx = { bot: this.options.bot, topic, from, to, reason, epoch };
        for (const r of this.options.registrations()) {
          if (generation !== this.generation) return;
          if (r.name === "gap") await this.invoke(r, ctx, topic, to);
        }
        if (generation === this.generation) checkpoints.advance(topic, to, epoch);
        return;
      }
      case "reset": {
        const { topic, previousEpoch, epoch, lastSeq } = item;
        const status: Status = { type: "reset", topic, previousEpoch, epoch, lastSeq };
        this.options.status(status);
        const ctx = { bot: this.options.bot, topic, previousEpoch, epoch, lastSeq };
        for (const r of this.options.registrations()) {
          if (generation !== this.generation) return;
          if (r.name === "reset") await this.invoke(r, ctx, topic, 0);
        }
        if (generation === this.generation) checkpoints.advance(topic, 0, epoch);
        return;
      }
      case "mark":
        if (generation === this.generation) checkpoints.advance(item.topic, item.seq, item.epoch);
        return;
    }
  }

  private eventContext(
    item: Extract<SyncItem, { type: "event" }>,
    tracked: boolean,
    generation: number,
  ): EventContext & Dispatched {
    const event: EventFrame = item.event;
    const id = this.options.id();
    const direct = event.topic === id;
    const replyTo = direct ? event.from : event.topic;
    return {
      ...eventView(event),
      bot: this.options.bot,
      replayed: item.replayed,
      own: event.from === id,
      tracked,
      direct,
      epoch: item.epoch,
      reply: (text) => this.options.send(replyTo, text),
      answered: false,
      generation,
    };
  }

  /** Waits for what the router started for an event, watched like a handler. */
  private async hold(routed: Routed, topic: string, seq: number): Promise<void> {
    const token = {};
    this.running.set(token, {
      plugin: routed.plugin,
      event: "answer",
      topic,
      seq,
      since: this.options.clock.now(),
    });
    this.armWatchdog();
    try {
      await routed.done;
    } catch (error) {
      this.options.report(
        new HandlerError(this.options.id(), routed.plugin, "answer", { topic, seq }, error),
      );
    } finally {
      this.running.delete(token);
    }
  }

  /** Runs one handler; a throw is reported with bot, plugin and event, never passed on. */
  async invoke(
    r: Registration,
    ctx: EventContext | HandlerContexts["gap" | "reset" | "status"],
    topic?: string,
    seq?: number,
    /** What is being handled, for messages (the event's kind; else the registration's name). */
    what: string = r.name,
  ): Promise<void> {
    const observer = this.observer;
    const began = observer === undefined ? 0 : performance.now();
    let result: unknown;
    try {
      result = (r.handler as (ctx: unknown) => unknown)(ctx);
    } catch (error) {
      this.failed(r, topic, seq, error);
      observer?.handler?.(r.plugin, (performance.now() - began) / 1000);
      return;
    }
    // A promise already fulfilled (a plugin chain that ran synchronously) is done too.
    if (
      !isPromiseLike(result) ||
      (result instanceof Promise && Bun.peek.status(result) === "fulfilled")
    ) {
      observer?.handler?.(r.plugin, (performance.now() - began) / 1000);
      return;
    }
    // Only a handler that is still running after its first turn can hang:
    // the watchdog looks at those.
    const token = {};
    this.running.set(token, {
      plugin: r.plugin,
      event: what,
      topic,
      seq,
      since: this.options.clock.now(),
    });
    this.armWatchdog();
    try {
      await result;
    } catch (error) {
      this.failed(r, topic, seq, error);
    } finally {
      this.running.delete(token);
      observer?.handler?.(r.plugin, (performance.now() - began) / 1000);
    }
  }

  private failed(
    r: Registration,
    topic: string | undefined,
    seq: number | undefined,
    error: unknown,
  ) {
    const where = topic === undefined ? undefined : { topic, seq };
    this.options.report(new HandlerError(this.options.id(), r.plugin, r.name, where, error));
  }

  private readonly warned = new WeakSet<Running>();

  private armWatchdog(): void {
    if (this.watchdog !== undefined || this.closed) return;
    const limit = this.options.slowHandlerAfter;
    this.watchdog = this.options.clock.setTimeout(() => {
      this.watchdog = undefined;
      const now = this.options.clock.now();
      for (const run of this.running.values()) {
        if (now - run.since < limit || this.warned.has(run)) continue;
        this.warned.add(run);
        this.options.log.warn(
          `${this.options.id()}: plugin ${run.plugin} has been handling ${describeRunning(run)} for ${describeDuration(now - run.since)}; ${run.topic ?? "its topic"} waits for it`,
        );
      }
      if (this.running.size > 0) this.armWatchdog();
    }, limit);
  }
}

/** What a stop that could not wait gave up on. */
export function describeAbandoned(running: readonly Running[]): string {
  if (running.length === 0) return "the connection to close";
  return running.map((r) => `plugin ${r.plugin} handling ${describeRunning(r)}`).join("; ");
}

/** `message at #general@localhost seq 12`. */
export function describeRunning(run: Running): string {
  if (run.topic === undefined) return run.event;
  return `${run.event} at ${run.topic}${run.seq === undefined ? "" : ` seq ${run.seq}`}`;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
