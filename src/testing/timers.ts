/**
 * The harness's own real timers (expectation deadlines, settle bounds), kept
 * in one place so `close()` can clear them and prove none is left.
 */
export class TimerSet {
  private readonly live = new Set<ReturnType<typeof setTimeout>>();

  /** Runs `fn` once after `ms`, unless cleared first. */
  set(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const handle = setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, ms);
    this.live.add(handle);
    return handle;
  }

  clear(handle: ReturnType<typeof setTimeout> | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.live.delete(handle);
  }

  /** Resolves after `ms` (a bound on a wait, never a wait for state). */
  delay(ms: number): { promise: Promise<void>; cancel(): void } {
    let handle: ReturnType<typeof setTimeout> | undefined;
    const promise = new Promise<void>((resolve) => {
      handle = this.set(resolve, ms);
    });
    return { promise, cancel: () => this.clear(handle) };
  }

  get size(): number {
    return this.live.size;
  }

  clearAll(): void {
    for (const handle of this.live) clearTimeout(handle);
    this.live.clear();
  }
}
