/** What waits for a turn's output to be written: a connection whose input is held. */
export interface TurnWaiter {
  resume(): void;
}

/**
 * The output made since the flusher last wrote everything: replies, events
 * (each counted once, however many subscribers share it) and the
 * bookkeeping of queues' slices. It is memory until written, and a turn
 * can make a great deal of it (every connection's requests of one read,
 * every subscriber's share of a fan-out), before any write can show a
 * slow reader: so a turn may make at most `limit` bytes. Past it, a
 * connection's next request waits, its input held, until the flush has
 * written what was made; the flush then resumes the connections in the
 * order they began to wait. What a write leaves unsent is the output
 * budget's (budget.ts).
 */
export class TurnOutput {
  /** Bytes made since everything was last written. */
  made = 0;
  private waiting: TurnWaiter[] = [];

  constructor(
    readonly limit: number,
    /** Makes sure a flush runs soon, even with no connection queued for one. */
    private readonly wake: () => void,
  ) {}

  /** This turn has made all the output it may. */
  get full(): boolean {
    return this.made > this.limit;
  }

  /** `waiter` holds its input until what was made is written. */
  wait(waiter: TurnWaiter): void {
    this.waiting.push(waiter);
    if (this.waiting.length === 1) this.wake();
  }

  /** Everything made so far is written (or queued behind a refused write). */
  written(): void {
    this.made = 0;
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const waiter of waiting) waiter.resume();
  }
}
