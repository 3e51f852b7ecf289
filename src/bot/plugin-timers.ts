/**
 * One plugin's `every` schedules: armed when the bot starts (or at once on
 * a started bot), stopped with the plugin, runs of one schedule one after
 * another. `settled` waits for runs in progress, so a plugin being
 * replaced is not still running its old schedule when the new one starts.
 */
import type { Clock } from "../client/clock.ts";
import type { EveryOptions, TickContext, Timer } from "./api.ts";
import { parseSchedule, ScheduledTimer } from "./schedule.ts";

/** Runs of one schedule that may wait behind a slow one before new ones are skipped. */
const MAX_QUEUED_RUNS = 100;

/** What a plugin's timers need from its view of the bot. */
export interface TimerOwner {
  readonly clock: Clock;
  warn(message: string): void;
  /** A run threw (or rejected); `what` names the schedule. */
  failed(what: string, error: unknown): void;
  tickContext(at: Date): TickContext;
}

export class PluginTimers {
  private readonly timers = new Set<ScheduledTimer>();
  private readonly ticks = new Set<Promise<void>>();

  constructor(private readonly owner: TimerOwner) {}

  /** A new schedule, armed at once when `armed` (the bot started). @throws Error for a bad schedule */
  every(
    schedule: string,
    fn: (tick: TickContext) => unknown,
    options: EveryOptions,
    armed: boolean,
  ): Timer {
    let parsed: ReturnType<typeof parseSchedule>;
    try {
      parsed = parseSchedule(schedule, options.timezone);
    } catch (error) {
      // Thrown here, so the stack still names the plugin's line of the call.
      throw new Error(`bot.every: ${(error as Error).message}`);
    }
    const owner = this.owner;
    // Runs of one schedule never overlap: a run due while the previous one
    // is still going waits for it (a bounded number of them), so a clock
    // moved far ahead in a test sees every run, in order.
    let tail: Promise<void> | undefined;
    let queued = 0;
    const failed = (error: unknown) => owner.failed(parsed.description, error);
    /** Calls `fn`; a promise only when it returned one (a synchronous run is over at once). */
    const invoke = (at: Date): Promise<void> | undefined => {
      let result: unknown;
      try {
        result = fn(owner.tickContext(at));
      } catch (error) {
        failed(error);
      }
      if (!(result instanceof Promise)) {
        queued--;
        return undefined;
      }
      return result.then(
        () => {
          queued--;
        },
        (error) => {
          queued--;
          failed(error);
        },
      );
    };
    const timer = new ScheduledTimer(parsed, owner.clock, (at) => {
      if (queued >= MAX_QUEUED_RUNS) {
        owner.warn(`${parsed.description}: runs are piling up, skipping ${at.toISOString()}`);
        return;
      }
      queued++;
      const run = tail === undefined ? invoke(at) : tail.then(() => invoke(at));
      if (run === undefined) return;
      tail = run;
      this.ticks.add(run);
      void run.then(() => {
        this.ticks.delete(run);
        if (tail === run) tail = undefined;
      });
    });
    this.timers.add(timer);
    if (armed) timer.start();
    return {
      get next() {
        return timer.next;
      },
      stop: () => {
        timer.stop();
        this.timers.delete(timer);
      },
    };
  }

  /** Arms every schedule (the bot started). */
  start(): void {
    for (const timer of this.timers) timer.start();
  }

  /** No schedule fires from now on (runs in progress go on: see `settled`). */
  stop(): void {
    for (const timer of this.timers) timer.stop();
    this.timers.clear();
  }

  /** Resolves once the runs in progress have finished. */
  async settled(): Promise<void> {
    while (this.ticks.size > 0) await Promise.all([...this.ticks]);
  }
}
