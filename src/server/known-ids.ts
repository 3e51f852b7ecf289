/**
 * IDs that have connected since the server started (the newest `capacity`
 * of them): direct messages to them are kept as ordinary history, while
 * those to other IDs go to the small inbox pool (history/limits.ts).
 * Bounded, so that identifying as ever-new IDs cannot grow it for ever.
 */
export class KnownIds {
  /** Insertion order is recency: the first key is the longest unseen. */
  private readonly ids = new Map<string, true>();

  constructor(
    private readonly capacity = 100_000,
    /** IDs known without connecting (token mode: those with a token). */
    private readonly registered: (id: string) => boolean = () => false,
  ) {}

  add(id: string): void {
    this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      this.ids.delete(this.ids.keys().next().value!);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id) || this.registered(id);
  }
}
