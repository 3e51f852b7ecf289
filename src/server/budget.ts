/** What the budget needs of a connection. */
export interface BudgetMember {
  /** Bytes it counts in the budget now (set by the budget). */
  accounted: number;
  /** Closes it with `slow_consumer`, dropping what it holds. */
  shed(): void;
}

/**
 * The server's budget for output its connections hold: what waits behind a
 * write the kernel refused (copied, so it is the memory it takes; see
 * outbound-queue.ts) and requests read but held back while a connection's
 * output backs up or its token is checked.
 *
 * Each connection has its own bound as well; this one is for all of them
 * together, so that memory stays bounded however many connections stop
 * reading. Past it, the connections holding the most are dropped with
 * `slow_consumer` until the total is back under 7/8 of the budget. A
 * connection being closed counts nothing: what it still holds goes within
 * its close grace, and a drop frees at once room for others.
 */
export class OutputBudget {
  /** Bytes counted across all connections. */
  total = 0;
  /** Connections that count more than 0 bytes. */
  private readonly members = new Set<BudgetMember>();
  private shedding = false;

  constructor(readonly limit: number) {}

  /** Sets what `member` counts. */
  change(member: BudgetMember, bytes: number): void {
    const before = member.accounted;
    member.accounted = bytes;
    this.total += bytes - before;
    if (bytes > 0) {
      if (before === 0) this.members.add(member);
    } else if (before > 0) {
      this.members.delete(member);
    }
    if (this.total > this.limit && !this.shedding) this.shed();
  }

  /** Connections counted now (for tests and stats). */
  get size(): number {
    return this.members.size;
  }

  private shed(): void {
    this.shedding = true;
    try {
      const target = (this.limit * 7) / 8;
      const largestFirst = [...this.members].sort((a, b) => b.accounted - a.accounted);
      for (const member of largestFirst) {
        if (this.total <= target) break;
        member.shed();
      }
    } finally {
      this.shedding = false;
    }
  }
}
