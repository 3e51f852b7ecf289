/** What the flusher needs of a connection: write what it has queued. */
export interface Flushable {
  flush(): void;
}

/**
 * Connections written per event-loop turn. A write costs the server 2–5 µs
 * of kernel time on loopback, so a slice is about half a millisecond; what
 * arrives meanwhile is read before the next slice and joins the writes of
 * the connections not yet written.
 */
export const FLUSH_SLICE = 128;

/**
 * Writes the output of connections once per event-loop turn, after every
 * read of that turn: messages from several publishers that arrive together
 * reach each subscriber in one write, which halves the writes (and the
 * subscribers' reads) when two messages coincide.
 *
 * A large fan-out is written in slices of `FLUSH_SLICE` connections with a
 * turn of the loop between them, so messages that arrive during it are read
 * at once instead of waiting for the whole fan-out, and go out in the same
 * writes to the connections that were still waiting.
 */
export class Flusher<T extends Flushable> {
  private pending: T[] = [];
  private scheduled = false;
  private readonly runBound = () => this.run();

  /**
   * @param beforeWrite runs before each slice is written (the server commits
   *   history there, so no reply leaves before what it acknowledges is stored)
   * @param defer runs a callback on a later turn of the event loop
   */
  constructor(
    private readonly beforeWrite: () => void,
    private readonly slice = FLUSH_SLICE,
    private readonly defer: (callback: () => void) => void = setImmediate,
  ) {}

  /** Queues a connection; the caller makes sure it is queued at most once. */
  add(connection: T): void {
    this.pending.push(connection);
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(this.runBound);
    }
  }

  /** Connections queued and not yet written. */
  get size(): number {
    return this.pending.length;
  }

  /** Writes one slice of the queued connections; defers the rest to the next turn. */
  run(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.beforeWrite();
    // Taken out first: a connection queued again while this slice is written
    // goes behind the ones still waiting.
    const count = Math.min(batch.length, this.slice);
    this.pending = count === batch.length ? [] : batch.slice(count);
    for (let i = 0; i < count; i++) batch[i]!.flush();
    if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true;
      this.defer(this.runBound);
    }
  }
}
