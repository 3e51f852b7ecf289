import { ManualClock } from "../client/clock.ts";

/**
 * The harness's plugin clock: a `ManualClock` whose `advance` also waits
 * until what the fired timers started has settled (handlers done, messages
 * delivered), so a test can assert right after it.
 *
 * @example
 * ```ts
 * await h.clock.advance(5 * 60_000);
 * await alice.expectMessage({ from: "reminder", body: /stand-up/ });
 * ```
 */
export class HarnessClock extends ManualClock {
  constructor(
    start: number,
    private readonly settle: () => Promise<void>,
  ) {
    super(start);
  }

  /**
   * Moves plugin time forward by `ms`, one due time at a time: the timers
   * due then fire, and what they started settles before time moves on (as
   * with real time, where a run is over long before the next is due).
   */
  override async advance(ms: number): Promise<void> {
    const end = this.now() + ms;
    for (;;) {
      const soonest = this.pending()[0];
      if (soonest === undefined || this.now() + soonest > end) break;
      super.advance(soonest);
      await this.settle();
    }
    super.advance(end - this.now());
    await this.settle();
  }
}
