import type { CursorStore } from "../client/cursor-store.ts";

/**
 * When a bot's cursors are saved. A cursor moves in memory as soon as every
 * handler of its event finished; it reaches the store at a checkpoint, once
 * a burst of events was handled (every event of one socket read), after the
 * plugins' hooks made their work durable (the logger fsyncs there). One
 * write and one fsync a burst instead of one an event; a crash loses at most
 * the burst being handled, which catch-up hands on again.
 */
export class Checkpoints {
  private readonly hooks: (() => unknown)[] = [];
  /** Cursors of handled events not yet saved, by topic. */
  private readonly unsaved = new Map<string, number>();
  private running: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(
    private readonly cursors: CursorStore,
    /** Where a failed checkpoint is reported; its cursors stay unsaved. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Registers work to make durable before cursors are saved. */
  addHook(hook: () => unknown): void {
    this.hooks.push(hook);
  }

  /** True while some handled event's cursor is not saved yet. */
  get pending(): boolean {
    return this.unsaved.size > 0;
  }

  /** Records that every handler of `seq` in `topic` finished. */
  advance(topic: string, seq: number): void {
    this.unsaved.set(topic, seq);
    if (this.scheduled) return;
    this.scheduled = true;
    // After the current burst: every event of one socket read is handled
    // before this runs, so they share one checkpoint.
    setImmediate(() => {
      this.scheduled = false;
      void this.save();
    });
  }

  /** Saves what is pending now; checkpoints run one after another. */
  save(): Promise<void> {
    const run = this.running.then(() => this.saveNow());
    this.running = run;
    return run;
  }

  private async saveNow(): Promise<void> {
    if (this.unsaved.size === 0) return;
    const cursors = new Map(this.unsaved);
    this.unsaved.clear();
    try {
      for (const hook of this.hooks) await hook();
      this.cursors.setAll(cursors);
    } catch (error) {
      // Not durable: keep the cursors back so the events are handled again
      // after a crash rather than lost.
      for (const [topic, seq] of cursors) {
        if (!this.unsaved.has(topic)) this.unsaved.set(topic, seq);
      }
      this.onError(error);
    }
  }
}
