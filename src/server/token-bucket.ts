/**
 * A token bucket: `rate` tokens a second, holding at most `burst`. Refills
 * from the injected clock when a token is taken, so an idle connection costs
 * nothing.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `count` tokens (one by default); false, taking none, when fewer are left. */
  take(count = 1): boolean {
    const now = this.now();
    const elapsed = now - this.last;
    this.last = now;
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }
}
