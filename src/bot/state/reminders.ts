/**
 * One-shot persistent reminders (`bot.at(when, key, payload)`): stored in
 * the state database the moment they are set (a `!remind` answered "ok" is
 * not lost by a crash a moment later), fired on the plugin clock to the
 * plugin's `reminder` handlers, and deleted once those finished — so a
 * crash while one runs fires it again after the restart (at least once).
 *
 * Missed while the bot was down: by default a reminder due then fires once
 * as soon as the bot starts again, marked `late`; set with
 * `{ missed: "drop" }` it is deleted unfired instead.
 */
import type { Database } from "bun:sqlite";
import type { Clock } from "../../client/clock.ts";
import { parseDuration } from "../schedule.ts";

/** What to do with a reminder that came due while the bot was not running. */
export type MissedPolicy = "fire" | "drop";

export interface AtOptions {
  /** Due while the bot was down: fire it once, late (default), or drop it. */
  missed?: MissedPolicy;
}

/** One stored reminder. */
export interface StoredReminder {
  key: string;
  /** Due time, plugin-clock ms. */
  due: number;
  /** JSON text of the payload. */
  payload: string;
  missed: MissedPolicy;
}

/** Reminders of every plugin of a bot, as stored. */
export interface ReminderStore {
  list(plugin: string): StoredReminder[];
  put(plugin: string, reminder: StoredReminder): void;
  remove(plugin: string, key: string): boolean;
}

export function reminderStore(db: Database | undefined): ReminderStore {
  return db === undefined ? memoryReminders() : sqliteReminders(db);
}

function sqliteReminders(db: Database): ReminderStore {
  db.run(
    "CREATE TABLE IF NOT EXISTS reminders (plugin TEXT NOT NULL, key TEXT NOT NULL, due INTEGER NOT NULL, payload TEXT NOT NULL, missed TEXT NOT NULL, PRIMARY KEY (plugin, key)) WITHOUT ROWID",
  );
  const list = db.query<StoredReminder, [string]>(
    "SELECT key, due, payload, missed FROM reminders WHERE plugin = ? ORDER BY due, key",
  );
  const put = db.query<unknown, [string, string, number, string, string]>(
    "INSERT INTO reminders (plugin, key, due, payload, missed) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(plugin, key) DO UPDATE SET due = excluded.due, payload = excluded.payload, missed = excluded.missed",
  );
  const remove = db.query<unknown, [string, string]>(
    "DELETE FROM reminders WHERE plugin = ? AND key = ?",
  );
  return {
    list: (plugin) => list.all(plugin),
    put: (plugin, r) => put.run(plugin, r.key, r.due, r.payload, r.missed),
    remove: (plugin, key) => remove.run(plugin, key).changes > 0,
  };
}

function memoryReminders(): ReminderStore {
  const all = new Map<string, Map<string, StoredReminder>>();
  return {
    list: (plugin) =>
      [...(all.get(plugin)?.values() ?? [])].sort((a, b) => a.due - b.due || cmp(a.key, b.key)),
    put: (plugin, r) => {
      let map = all.get(plugin);
      if (map === undefined) {
        map = new Map();
        all.set(plugin, map);
      }
      map.set(r.key, { ...r });
    },
    remove: (plugin, key) => all.get(plugin)?.delete(key) ?? false,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a `reminder` handler receives. */
export interface Reminder {
  readonly key: string;
  readonly payload: unknown;
  /** When it was due. */
  readonly due: Date;
  /** True when it came due while the bot was not running, and fires now, after a start. */
  readonly late: boolean;
}

/** `when` as plugin-clock ms: a Date, epoch ms, or a duration from now (`"10m"`). */
export function dueTime(when: Date | number | string, now: number): number {
  if (when instanceof Date) return when.getTime();
  if (typeof when === "number" && Number.isFinite(when)) return when;
  if (typeof when === "string") {
    const ms = parseDuration(when);
    if (ms !== undefined) return now + ms;
  }
  throw new Error(
    `bot.at: expected a Date, a time in ms or a duration like "10m", got ${JSON.stringify(when)}`,
  );
}

/** Longest delay a timer takes at once (the platform's 32-bit limit). */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * One plugin's reminders: kept in memory in due order while the bot runs,
 * one timer for the soonest.
 */
export class PluginReminders {
  private readonly pending = new Map<string, StoredReminder>();
  private timer: unknown;
  private running = false;
  private startedAt: number | undefined;
  /** Fires in progress (`idle` and `stop` wait for them). */
  readonly busy = new Set<Promise<void>>();

  constructor(
    private readonly plugin: string,
    private readonly store: ReminderStore,
    private readonly clock: Clock,
    /** Runs the plugin's handlers for one reminder; false when it has none. */
    private readonly fire: (reminder: Reminder) => Promise<boolean>,
    private readonly log: { info(message: string): void; warn(message: string): void },
    /** Counts a fire as the bot's background work (`idle` waits for it). */
    private readonly track: (work: Promise<void>) => void = () => {},
  ) {}

  /** Sets (or moves) the reminder `key`. Stored at once. */
  at(due: number, key: string, payload: unknown, options: AtOptions = {}): void {
    if (typeof key !== "string" || key === "") throw new Error("bot.at: expected a key");
    const text = JSON.stringify(payload ?? null);
    const reminder: StoredReminder = { key, due, payload: text, missed: options.missed ?? "fire" };
    this.store.put(this.plugin, reminder);
    if (this.running) {
      this.pending.set(key, reminder);
      this.arm();
    }
  }

  /** Deletes the reminder `key`; false when there was none. */
  cancel(key: string): boolean {
    this.pending.delete(key);
    const removed = this.store.remove(this.plugin, key);
    if (this.running) this.arm();
    return removed;
  }

  /** Loads what is stored and arms the soonest (the bot started). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.clock.now();
    for (const r of this.store.list(this.plugin)) {
      if (r.due <= this.startedAt && r.missed === "drop") {
        this.store.remove(this.plugin, r.key);
        this.log.info(`reminder ${r.key} came due while the bot was down: dropped`);
      } else this.pending.set(r.key, r);
    }
    this.arm();
  }

  /** Stops firing; resolves once fires in progress finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    while (this.busy.size > 0) await Promise.all([...this.busy]);
  }

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    let soonest: number | undefined;
    for (const r of this.pending.values())
      if (soonest === undefined || r.due < soonest) soonest = r.due;
    if (soonest === undefined || !this.running) return;
    const wait = Math.max(0, soonest - this.clock.now());
    this.timer = this.clock.setTimeout(
      () => (wait > MAX_DELAY ? this.arm() : this.fireDue()),
      Math.min(wait, MAX_DELAY),
    );
  }

  /** Fires every reminder due now, in due order, one after another. */
  private fireDue(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const due = [...this.pending.values()]
      .filter((r) => r.due <= now)
      .sort((a, b) => a.due - b.due || cmp(a.key, b.key));
    for (const r of due) this.pending.delete(r.key);
    this.arm();
    if (due.length === 0) return;
    const run = (async () => {
      for (const r of due) await this.fireOne(r);
    })();
    this.busy.add(run);
    this.track(run);
    void run.then(() => this.busy.delete(run));
  }

  private async fireOne(r: StoredReminder): Promise<void> {
    const late = this.startedAt !== undefined && r.due < this.startedAt;
    const handled = await this.fire({
      key: r.key,
      payload: JSON.parse(r.payload),
      due: new Date(r.due),
      late,
    });
    if (!handled) {
      this.log.warn(`reminder ${r.key} came due, but the plugin has no reminder handler`);
    }
    // Set again (moved) by its own handler: keep the new one.
    if (this.pending.has(r.key)) return;
    this.store.remove(this.plugin, r.key);
  }
}
