import { ManualClock } from "../runtime/clock.ts";

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

  /** Moves plugin time forward, firing due timers in order, then waits for the bots to settle. */
  override async advance(ms: number): Promise<void> {
    super.advance(ms);
    await this.settle();
  }
}
