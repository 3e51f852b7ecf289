/**
 * A token bucket: `rate` tokens a second, holding at most `burst`. Refills
 * from the injected clock when it is looked at, so an idle connection costs
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
    this.refill();
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }

  /** True when `take(count)` would succeed (nothing is taken). */
  has(count = 1): boolean {
    this.refill();
    return this.tokens >= count;
  }

  /** True when the bucket has filled up again. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.last;
    this.last = now;
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
  }
}
