import type { Cursor, CursorStore } from "../client/cursor-store.ts";

/** State saved with the cursors, in their transaction (`DurableState`). */
export interface CheckpointState {
  readonly pending: boolean;
  /** Writes what `cursors` cover; runs inside the checkpoint's transaction. */
  flush(cursors: ReadonlyMap<string, Cursor>): void;
  /** The checkpoint failed: drop what was pending. */
  discard(): void;
}

/** Least time between two checkpoints of a bot (ms). */
export const DEFAULT_CHECKPOINT_INTERVAL = 100;

/**
 * When a bot's cursors are saved. A cursor moves in memory as soon as every
 * handler of its event finished; it reaches the store at a checkpoint, once
 * a burst of events was handled (every event of one socket read), after the
 * plugins' hooks made their work durable (the logger fsyncs there), and at
 * most once every `interval` ms: a bot after a quiet spell saves right after
 * its burst, a busy one ~10 times a second instead of once per burst. One
 * write and one fsync per checkpoint instead of one an event; a crash loses
 * at most what was handled since the last checkpoint, which catch-up hands
 * on again.
 *
 * The interval is for the latency of the next event, not only throughput:
 * the state database's WAL is folded back into it every 1,000 pages, with
 * an fsync that blocks the event loop for 4–6 ms (measured: 6,000 cursor
 * writes in a row, one stall every 1,000 commits). At one commit per
 * command answered that stall came every ~500 commands; at ≤ 10 commits a
 * second it comes every ~100 s. A checkpoint that
 * fails saves nothing: its owner is told which topics were not saved, so it
 * can hand their events on again (a full disk loses no event). Plugin state
 * tied to events (`CheckpointState`) is written in the cursors' transaction.
 */
export class Checkpoints {
  private hooks: (() => unknown)[] = [];
  /** Cursors of handled events not yet saved, by topic. */
  private readonly unsaved = new Map<string, Cursor>();
  private running: Promise<void> = Promise.resolve();
  private scheduled = false;
  /** When the last checkpoint began (performance.now()), for the interval. */
  private lastSave = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly cursors: CursorStore,
    /** A failed checkpoint: nothing was saved; `topics` are the ones it would have moved. */
    private readonly onError: (error: unknown, topics: string[]) => void,
    private readonly state?: CheckpointState,
    /** Runs `fn` as one transaction of the state database (default: just runs it). */
    private readonly atomically: (fn: () => void) => void = (fn) => fn(),
    /**
     * Least time between two checkpoints (ms, default 100). Wall time, not
     * the bot's clock: a test's manual clock must not hold cursors back.
     */
    private readonly interval = DEFAULT_CHECKPOINT_INTERVAL,
  ) {}

  /** Registers work to make durable before cursors are saved. */
  addHook(hook: () => unknown): void {
    this.hooks.push(hook);
  }

  /**
   * Takes a hook off again (its plugin was replaced). The list is replaced,
   * not changed in place: a checkpoint running the hooks runs each of them.
   */
  removeHook(hook: () => unknown): void {
    this.hooks = this.hooks.filter((h) => h !== hook);
  }

  /** True while some handled event's cursor (or state written for one) is not saved yet. */
  get pending(): boolean {
    return this.unsaved.size > 0 || this.state?.pending === true;
  }

  /** Records that every handler of `seq` in `topic` finished. */
  advance(topic: string, seq: number, epoch?: string): void {
    this.unsaved.set(topic, epoch === undefined ? { seq } : { seq, epoch });
    this.request();
  }

  /** Asks for a checkpoint after the current burst (state was written). */
  request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.timer = undefined;
      void this.save();
    };
    const wait = this.lastSave + this.interval - performance.now();
    // After the current burst: every event of one socket read is handled
    // before this runs, so they share one checkpoint.
    if (wait <= 0) setImmediate(run);
    else this.timer = setTimeout(run, wait);
  }

  /** Saves what is pending now; checkpoints run one after another. */
  save(): Promise<void> {
    if (this.timer !== undefined) {
      // Saved now instead: the timer would keep a stopped bot alive.
      clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = false;
    }
    const run = this.running.then(() => this.saveNow());
    this.running = run;
    return run;
  }

  private async saveNow(): Promise<void> {
    const state = this.state;
    if (this.unsaved.size === 0 && state?.pending !== true) return;
    this.lastSave = performance.now();
    const cursors = new Map(this.unsaved);
    this.unsaved.clear();
    try {
      for (const hook of this.hooks) await hook();
      // Nothing of the plugins' state waits: the cursors alone, as one write.
      if (state === undefined || !state.pending) this.cursors.setAll(cursors);
      else {
        this.atomically(() => {
          state.flush(cursors);
          this.cursors.setAll(cursors);
        });
      }
    } catch (error) {
      state?.discard();
      // Not durable: the saved cursors stay where they were, and what moved
      // since (this checkpoint's and any newer) is the owner's to hand on again.
      const topics = new Set([...cursors.keys(), ...this.unsaved.keys()]);
      this.unsaved.clear();
      this.onError(error, [...topics]);
    }
  }
}
