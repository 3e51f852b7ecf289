import { timingSafeEqual } from "node:crypto";
import { hashToken, matchesSha256, type TokenTable } from "./auth.ts";
import { TokenBucket } from "./token-bucket.ts";

/** Failed identifies one address may make in a burst… */
export const ADDRESS_FAILURE_BURST = 10;
/** …and a minute after that. */
export const ADDRESS_FAILURES_PER_MINUTE = 10;
/** Slow hashes checked at once (each on a worker thread; argon2 takes its memory cost). */
const CONCURRENT_CHECKS = 2;
/** Addresses with recent failures remembered; past this, further ones share one bucket. */
const MAX_ADDRESSES = 65_536;

/** The outcome of a token check: now, or later; "throttled" is refused unchecked. */
export type Verdict = boolean | "throttled";

/**
 * Checks `identify` tokens against the table, and rate-limits failures per
 * address so that guessing goes at ADDRESS_FAILURES_PER_MINUTE.
 *
 * Slow hashes (argon2, bcrypt) are checked on a worker thread, a few at a
 * time, so a burst of logins does not stop the event loop. A token once
 * found good for an ID is then recognised by a salted SHA-256 kept in
 * memory, so a reconnecting client costs microseconds. An ID with no entry
 * is checked against a dummy hash, so timing does not tell which IDs exist.
 * A check waiting for its turn is refused unchecked if its address ran out
 * of failures meanwhile: many connections guessing at once from one
 * address get no more checks than one would.
 */
export class Authenticator {
  private readonly failures = new Map<string, TokenBucket>();
  private readonly overflow: TokenBucket;
  /** ID -> salted SHA-256 of the token last found good for it. */
  private readonly known = new Map<string, Uint8Array>();
  private readonly salt = crypto.getRandomValues(new Uint8Array(16));
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly table: TokenTable,
    private readonly now: () => number,
  ) {
    this.overflow = this.newBucket();
  }

  /** Checks `token` for `id`, from a connection whose address key is `address`. */
  verify(
    id: string,
    token: string | Uint8Array | undefined,
    address: string,
  ): Verdict | Promise<Verdict> {
    if (this.throttled(address)) return "throttled";
    if (token === undefined || token.length === 0) return this.failed(address);
    const entry = this.table.get(id);
    if (entry?.kind === "sha256") {
      return matchesSha256(entry.digest, token) || this.failed(address);
    }
    const known = this.known.get(id);
    if (known !== undefined && timingSafeEqual(known, this.fingerprint(token))) return true;
    return this.slowCheck(address, token, entry?.encoded ?? DUMMY).then((verdict) => {
      if (verdict === "throttled") return verdict;
      if (verdict && entry !== undefined) {
        this.known.set(id, this.fingerprint(token));
        return true;
      }
      return this.failed(address);
    });
  }

  /** Forgets addresses whose failures have all come back (the server's sweep calls it). */
  prune(): void {
    for (const [address, bucket] of this.failures) {
      if (bucket.full) this.failures.delete(address);
    }
  }

  /** Addresses remembered for recent failures. */
  get addresses(): number {
    return this.failures.size;
  }

  private throttled(address: string): boolean {
    const bucket = this.failures.get(address);
    return bucket !== undefined && !bucket.has();
  }

  private failed(address: string): false {
    let bucket = this.failures.get(address);
    if (bucket === undefined) {
      bucket = this.failures.size < MAX_ADDRESSES ? this.newBucket() : this.overflow;
      if (bucket !== this.overflow) this.failures.set(address, bucket);
    }
    bucket.take();
    return false;
  }

  private newBucket(): TokenBucket {
    return new TokenBucket(ADDRESS_FAILURES_PER_MINUTE / 60, ADDRESS_FAILURE_BURST, this.now);
  }

  private fingerprint(token: string | Uint8Array): Uint8Array {
    const bytes = typeof token === "string" ? new TextEncoder().encode(token) : token;
    const salted = new Uint8Array(this.salt.length + bytes.length);
    salted.set(this.salt);
    salted.set(bytes, this.salt.length);
    return hashToken(salted);
  }

  private async slowCheck(
    address: string,
    token: string | Uint8Array,
    encoded: string,
  ): Promise<Verdict> {
    if (this.running >= CONCURRENT_CHECKS) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      if (this.throttled(address)) return "throttled";
      return await Bun.password.verify(token, encoded);
    } catch {
      // A hash the library cannot read (the format is checked at load): no match.
      return false;
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** An argon2id hash of a random text, with the cost `scalar hash-token` uses: never matches. */
const DUMMY =
  "$argon2id$v=19$m=19456,t=2,p=1$wVdtLsZGLerl7vgpthLN7zRwoJK2lqCwkLezudc8s1U$cCXnuUN9C+fNWt2BfoB2BGjFv3RujMgTmne7okUeTnY";
