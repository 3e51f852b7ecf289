/**
 * A bot's state beyond its cursors, in one place: state saved with the
 * cursors (sessions, conversations), the router of answers, and the
 * transaction a checkpoint runs in. Kept apart from the bot so the bot
 * only wires it.
 */
import type { Database } from "bun:sqlite";
import type { Clock } from "../../client/clock.ts";
import type { Cursor } from "../../client/cursor-store.ts";
import type { CommandRegistry } from "../commands.ts";
import { Router } from "../conversations/router.ts";
import { DurableState } from "./durable.ts";
import { type ReminderStore, reminderStore } from "./reminders.ts";

export interface BotStateSettings {
  readonly prefix: string;
  readonly commands: Pick<CommandRegistry, "find">;
  /** The plugin clock (question timeouts, conversation timeouts, reminders). */
  readonly clock: Clock;
  /** The cursor saved for `topic`. */
  saved(topic: string): Cursor | undefined;
  /** The dispatcher's generation now. */
  generation(): number;
  /** Asks for a checkpoint. */
  changed(): void;
}

export class BotState {
  readonly durable: DurableState;
  readonly router: Router;
  readonly reminders: ReminderStore;
  /** Reminders being fired: `idle` waits for them. */
  private readonly background = new Set<Promise<void>>();
  /** Runs `fn` as one transaction of the state database. */
  readonly atomically: (fn: () => void) => void;

  constructor(
    readonly database: Database | undefined,
    settings: BotStateSettings,
  ) {
    this.durable = new DurableState(database, settings);
    this.router = new Router({
      prefix: settings.prefix,
      isCommand: (name) => settings.commands.find(name) !== undefined,
      setTimeout: (fn, ms) => settings.clock.setTimeout(fn, ms),
      clearTimeout: (handle) => settings.clock.clearTimeout(handle),
    });
    this.reminders = reminderStore(database);
    if (database === undefined) this.atomically = (fn) => fn();
    else {
      const transaction = database.transaction((fn: () => void) => fn());
      this.atomically = (fn) => transaction.immediate(fn);
    }
  }

  /** Counts `work` as background work until it settles. */
  track(work: Promise<void>): void {
    this.background.add(work);
    void work.then(() => this.background.delete(work));
  }

  /** True while background work (a resumed question, a reminder) is going on. */
  get busy(): boolean {
    return this.router.busy || this.background.size > 0;
  }

  /** Resolves once no background work is left. */
  async settled(): Promise<void> {
    while (this.busy) {
      await this.router.settled();
      await Promise.all([...this.background]);
    }
  }
}
