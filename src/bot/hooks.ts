/**
 * A bot's start and stop hooks: start hooks run once, when it first
 * connects (at once when added later), stop hooks when it stops, each
 * bounded; a hook's throw is reported, never passed on. Every hook can be
 * taken off again, for a plugin replaced while the bot runs.
 */
import { type Clock, within } from "../client/clock.ts";
import { RuntimeError } from "../client/errors.ts";

export class BotHooks {
  // Replaced, never changed in place, so a loop over them is not cut short by a removal.
  private startHooks: (() => unknown)[] = [];
  private stopHooks: (() => unknown)[] = [];
  private started = false;

  constructor(
    private readonly clock: Clock,
    /** How long one stop hook may take (ms). */
    private readonly limit: number,
    private readonly id: () => string,
    private readonly report: (error: Error) => void,
  ) {}

  /** Adds a start hook; returns a function that takes it off. */
  onStart(fn: () => unknown): () => void {
    this.startHooks = [...this.startHooks, fn];
    if (this.started) void this.run(fn, "a start hook");
    return () => {
      this.startHooks = this.startHooks.filter((h) => h !== fn);
    };
  }

  /** Adds a stop hook; returns a function that takes it off. */
  onStop(fn: () => unknown): () => void {
    this.stopHooks = [...this.stopHooks, fn];
    return () => {
      this.stopHooks = this.stopHooks.filter((h) => h !== fn);
    };
  }

  /** The bot connected: start hooks run, once. */
  connected(): void {
    if (this.started) return;
    this.started = true;
    void (async () => {
      for (const hook of this.startHooks) await this.run(hook, "a start hook");
    })();
  }

  /** Runs every stop hook, one after another. */
  async stop(): Promise<void> {
    for (const hook of this.stopHooks) await this.runStop(hook);
  }

  /** Runs one stop hook (of the bot's, or of a plugin taken off), bounded. */
  async runStop(hook: () => unknown): Promise<void> {
    await within(this.clock, this.limit, () => this.run(hook, "a stop hook"));
  }

  private async run(fn: () => unknown, what: string): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.report(new RuntimeError(`${this.id()}: ${what} failed`, error));
    }
  }
}
