export interface BackoffOptions {
  /** First delay, ms. */
  initial: number;
  /** Largest delay, ms. */
  max: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Fraction of the delay drawn at random (0..1), so many bots do not reconnect in step. */
  jitter: number;
  /** Attempts before giving up; `Infinity` retries forever. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initial: 250,
  max: 30_000,
  factor: 2,
  jitter: 0.2,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/**
 * Exponential backoff with jitter: attempt n (1-based) waits
 * min(max, initial * factor^(n-1)), of which `jitter` is random.
 */
export function backoffDelay(
  options: BackoffOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.max, options.initial * options.factor ** Math.max(0, attempt - 1));
  const spread = base * Math.min(1, Math.max(0, options.jitter));
  return Math.round(base - spread + spread * random());
}
