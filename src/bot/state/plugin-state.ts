/**
 * One plugin's conversations, sessions and reminders: made by its view of
 * the bot (`PluginHost`), their timers started, stopped and released with
 * the plugin's.
 */
import type { Clock } from "../../client/clock.ts";
import type { Context, Log, ReminderContext } from "../api.ts";
import type { PluginContext } from "../context.ts";
import {
  type Conversation,
  type ConversationSpec,
  StepConversation,
} from "../conversations/conversation.ts";
import type { RoutedEvent, Router } from "../conversations/router.ts";
import type { DurableState } from "./durable.ts";
import {
  type AtOptions,
  dueTime,
  PluginReminders,
  type Reminder,
  type ReminderStore,
} from "./reminders.ts";
import { type SessionEvent, type SessionOptions, sessionMiddleware } from "./session.ts";

/** What a plugin's state needs from its view of the bot. */
export interface PluginStateHost {
  readonly plugin: string;
  readonly prefix: string;
  readonly clock: Clock;
  readonly durable: DurableState;
  readonly router: Router;
  readonly reminders: ReminderStore;
  readonly log: Log;
  /** Keeps `work` in the bot's count of background work (`idle` waits for it). */
  track(work: Promise<void>): void;
  /** A context of the plugin for an event, on a handler run of its own. */
  contextFor(event: RoutedEvent): PluginContext;
  /** The context of a reminder handler. */
  reminderContext(reminder: Reminder): ReminderContext;
  send(topic: string, text: string): Promise<unknown>;
  failed(what: string, ctx: unknown, error: unknown): void;
}

export class PluginState {
  private readonly conversations: StepConversation[] = [];
  private readonly reminderHandlers: ((ctx: ReminderContext) => unknown)[] = [];
  private reminders: PluginReminders | undefined;

  constructor(private readonly host: PluginStateHost) {}

  /** Defines a step conversation; `command` registers its start command. */
  conversation(
    name: string,
    spec: ConversationSpec,
    command: (name: string, start: (ctx: Context) => Promise<void>) => void,
    started: boolean,
  ): Conversation {
    const host = this.host;
    const conversation = new StepConversation(name, spec, {
      plugin: host.plugin,
      prefix: host.prefix,
      clock: host.clock,
      durable: host.durable,
      contextFor: (event) => host.contextFor(event),
      run: (ctx, what, fn) =>
        (ctx as PluginContext).run
          .first(Promise.resolve().then(async () => void (await fn())))
          .catch((error) => host.failed(what, ctx, error)),
      // A timeout's message is background work: `idle` waits until it went out.
      send: (topic, text) => {
        const sent = host.send(topic, text);
        host.track(sent.then(ignore, ignore));
        return sent;
      },
      failed: (what, error) => host.failed(what, undefined, error),
    });
    if (spec.command !== false) command(name, (ctx) => conversation.start(ctx));
    this.conversations.push(conversation);
    host.router.addWaitingSet(conversation);
    if (started) conversation.startTimers();
    return conversation;
  }

  /** The middleware that puts a session on `ctx.session`. */
  session<T>(
    options: SessionOptions<T>,
  ): (ctx: Context, next: () => Promise<void>) => Promise<void> {
    const middleware = sessionMiddleware(this.host.plugin, options, this.host.durable);
    return (ctx, next) => middleware(ctx as unknown as SessionEvent, next);
  }

  at(when: Date | number | string, key: string, payload: unknown, options?: AtOptions): Date {
    const due = dueTime(when, this.host.clock.now());
    this.reminderSet().at(due, key, payload, options);
    return new Date(due);
  }

  cancelAt(key: string): boolean {
    return this.reminderSet().cancel(key);
  }

  onReminder(handler: (ctx: ReminderContext) => unknown): void {
    this.reminderHandlers.push(handler);
  }

  /** The bot started: conversation timeouts and reminders run from now on. */
  startTimers(): void {
    for (const c of this.conversations) c.startTimers();
    this.reminderSet().start();
  }

  /** Stops them; resolves once reminders being fired finished. */
  async stopTimers(): Promise<void> {
    for (const c of this.conversations) c.stopTimers();
    await this.reminders?.stop();
  }

  private reminderSet(): PluginReminders {
    this.reminders ??= new PluginReminders(
      this.host.plugin,
      this.host.reminders,
      this.host.clock,
      (reminder) => this.fire(reminder),
      this.host.log,
      (work) => this.host.track(work),
    );
    return this.reminders;
  }

  private async fire(reminder: Reminder): Promise<boolean> {
    const ctx = this.host.reminderContext(reminder);
    for (const handler of this.reminderHandlers) {
      try {
        await handler(ctx);
      } catch (error) {
        this.host.failed(`reminder ${reminder.key}`, undefined, error);
      }
    }
    return this.reminderHandlers.length > 0;
  }
}

function ignore(): void {}
