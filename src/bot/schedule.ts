/**
 * Schedules for `bot.every`: a duration (`30s`, `5m`, `2h`, `1d`, `1h30m`)
 * or a cron expression (croner's syntax, 5 or 6 fields, or `@daily` and
 * friends). Time comes from an injectable `Clock`, so tests move it with a
 * `ManualClock` instead of waiting.
 */
import type { Cron } from "croner";
import type { Clock } from "../client/clock.ts";

/**
 * croner is loaded by the first cron expression: most bots have durations
 * or no schedule at all, and an idle bot should not carry a module it never
 * runs (~2.5 MB of resident memory).
 */
let CronClass: typeof Cron | undefined;
function cronClass(): typeof Cron {
  CronClass ??= (require("croner") as typeof import("croner")).Cron;
  return CronClass;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/** Milliseconds of a duration like `90s`, `5m` or `1h30m`; undefined if it is none. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 ? ms : undefined;
}

/** Computes fire times: the first after `from`, then each after the previous. */
export interface Schedule {
  readonly description: string;
  /** The first fire time after `from` (ms), or undefined when there is none. */
  nextAfter(from: number): number | undefined;
}

/**
 * Parses a schedule; throws an Error saying what is wrong.
 *
 * @example parseSchedule("5m"); parseSchedule("0 9 * * 1-5", "Europe/Paris")
 */
export function parseSchedule(spec: string, timezone?: string): Schedule {
  const text = spec.trim();
  const ms = parseDuration(text);
  if (ms !== undefined) return { description: `every ${text}`, nextAfter: (from) => from + ms };
  if (!/\s/.test(text) && !text.startsWith("@")) {
    throw new Error(
      `expected a duration like "30s", "5m", "2h", "1d" or a cron expression like "0 9 * * 1-5", got ${JSON.stringify(spec)}`,
    );
  }
  let cron: Cron;
  try {
    cron = new (cronClass())(text, {
      paused: true,
      ...(timezone === undefined ? {} : { timezone }),
    });
  } catch (error) {
    throw new Error(
      `bad cron expression ${JSON.stringify(spec)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    description: `cron ${text}${timezone === undefined ? "" : ` (${timezone})`}`,
    nextAfter: (from) => cron.nextRun(new Date(from))?.getTime(),
  };
}

/** Longest delay a timer takes at once (the platform's 32-bit limit). */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Fires `fire(at)` at each time of `schedule` on `clock`. The next time is
 * armed before `fire` runs, so a clock moved far ahead fires every due time
 * in order; a run that is far late (a suspended machine) skips the missed
 * ones.
 */
export class ScheduledTimer {
  private handle: unknown;
  private due: number | undefined;
  private stopped = false;

  constructor(
    private readonly schedule: Schedule,
    private readonly clock: Clock,
    private readonly fire: (at: Date) => void,
  ) {}

  get next(): Date | undefined {
    return this.due === undefined ? undefined : new Date(this.due);
  }

  /** Arms the first run (idempotent). */
  start(): void {
    if (this.stopped || this.due !== undefined) return;
    this.arm(this.schedule.nextAfter(this.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.due = undefined;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(due: number | undefined): void {
    this.due = due;
    this.handle = undefined;
    if (due === undefined || this.stopped) return;
    const delay = Math.max(0, due - this.clock.now());
    this.handle = this.clock.setTimeout(
      () => (delay > MAX_DELAY ? this.arm(due) : this.wake(due)),
      Math.min(delay, MAX_DELAY),
    );
  }

  private wake(due: number): void {
    const now = this.clock.now();
    let next = this.schedule.nextAfter(due);
    if (next !== undefined && next <= now) next = this.schedule.nextAfter(now);
    this.arm(next);
    this.fire(new Date(due));
  }
}
