/** What the flusher needs of a connection: write what it has queued. */
export interface Flushable {
  flush(): void;
}

/**
 * A flush that follows fewer new events than this is "light": the server is
 * far from saturated, so it can afford to wait for stragglers and to write
 * in slices.
 */
export const LIGHT_EVENTS = 8;

/**
 * Connections written per event-loop turn in a light flush. A write costs
 * the server 2–5 µs of kernel time on loopback, so a slice is about half a
 * millisecond.
 */
export const FLUSH_SLICE = 128;

export interface FlusherOptions {
  /** Runs before each slice is written (the server commits history there). */
  beforeWrite: () => void;
  /** Events published so far, a counter that only grows. */
  published: () => number;
  /** Runs once everything queued has been written (turn-output.ts). */
  written?: () => void;
  /** True when the output waiting must go out now: no waiting turn, no slices. */
  urgent?: () => boolean;
  /** Runs a callback on a later turn of the event loop. */
  defer?: (callback: () => void) => void;
  slice?: number;
}

/**
 * Writes the output of connections once the reads of an event-loop turn are
 * done, so that messages read in the same turn reach each subscriber in one
 * write.
 *
 * How it writes depends on the load, measured as events published since the
 * last flush:
 *
 * - Light: it waits one more turn before writing. Messages that several
 *   publishers send at the same moment arrive microseconds apart; that turn
 *   catches the late ones, which would otherwise wait for the whole fan-out
 *   and then take one of their own. A large fan-out is then written in
 *   slices of `slice` connections with a turn between them, so messages
 *   arriving meanwhile join the writes still to come.
 * - Heavy: it writes everything at once. Each write already carries many
 *   frames, and waiting or slicing only makes the subscribers' reads larger
 *   and later (under saturation both cost throughput). Also when the turn
 *   has made all the output it may (`urgent`): requests wait for this write.
 */
export class Flusher<T extends Flushable> {
  private pending: T[] = [];
  /** The array written last time, emptied, for the next flush's leftovers. */
  private spare: T[] = [];
  private scheduled = false;
  private waited = false;
  private publishedBefore = 0;
  private readonly runBound = () => this.run();
  private readonly beforeWrite: () => void;
  private readonly written: () => void;
  private readonly urgent: () => boolean;
  private readonly published: () => number;
  private readonly defer: (callback: () => void) => void;
  private readonly slice: number;

  constructor(options: FlusherOptions) {
    this.beforeWrite = options.beforeWrite;
    this.written = options.written ?? (() => {});
    this.urgent = options.urgent ?? (() => false);
    this.published = options.published;
    this.defer = options.defer ?? setImmediate;
    this.slice = options.slice ?? FLUSH_SLICE;
  }

  /** Queues a connection; the caller makes sure it is queued at most once. */
  add(connection: T): void {
    this.pending.push(connection);
    this.schedule();
  }

  /** Makes sure a run comes soon, with connections queued or not (it then tells `written`). */
  wake(): void {
    this.schedule();
  }

  /** Connections queued and not yet written. */
  get size(): number {
    return this.pending.length;
  }

  /** Runs on a turn of the event loop: waits, or writes one slice. */
  run(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) {
      this.written();
      return;
    }
    const published = this.published();
    const light = published - this.publishedBefore < LIGHT_EVENTS && !this.urgent();
    if (light && !this.waited) {
      this.waited = true;
      this.schedule();
      return;
    }
    this.waited = false;
    this.publishedBefore = published;
    this.beforeWrite();
    // Taken out first: a connection queued again while this slice is written
    // goes behind the ones still waiting.
    const count = light ? Math.min(batch.length, this.slice) : batch.length;
    // The two arrays take turns, so a flush allocates nothing.
    const rest = this.spare;
    for (let i = count; i < batch.length; i++) rest.push(batch[i]!);
    this.pending = rest;
    this.spare = batch;
    try {
      for (let i = 0; i < count; i++) batch[i]!.flush();
    } finally {
      batch.length = 0;
    }
    if (this.pending.length > 0) this.schedule();
    else this.written();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(this.runBound);
    }
  }
}
