/** What a budget needs of what it counts: a connection's output, or its input. */
export interface BudgetMember {
  /** Bytes it counts in the budget now (set by the budget). */
  accounted: number;
  /**
   * What it is ranked by when the budget sheds (set by the budget): its
   * bytes, and what it uses of the shared part.
   */
  weighed: number;
  /** Closes its connection, dropping what it holds. */
  shed(): void;
}

/**
 * Bytes the server holds for its connections, counted for all of them
 * together, so that memory stays bounded however many connections there
 * are. Each connection has bounds of its own as well; this one is for the
 * sum. Past the limit, the members holding the most are shed (their
 * connections closed) until the total is back under 7/8 of it. What a
 * shed member keeps is small (the output side keeps the rest of a
 * half-sent frame and the error; the input side nothing) and still
 * counts: under a flood of drops, those being closed are shed in turn.
 *
 * The server keeps two (server.ts): one for output nobody has taken yet,
 * one for input it has not run yet. Apart, so that each kind of attack
 * sheds its own: clients trickling half-sent frames cannot make the server
 * drop slow readers whose output it holds, nor the reverse.
 */
export class ByteBudget {
  /** Bytes counted across all members, and the shared part. */
  total = 0;
  /** Bytes held for all members together, counted once (the arenas blocked queues pin). */
  private sharedBytes = 0;
  /** Members that count more than 0 bytes. */
  private readonly members = new Set<BudgetMember>();
  private shedding = false;

  constructor(readonly limit: number) {}

  /** Sets what `member` counts, and what it is ranked by (its bytes and its use of the shared part). */
  change(member: BudgetMember, bytes: number, weight = bytes): void {
    const before = member.weighed;
    this.total += bytes - member.accounted;
    member.accounted = bytes;
    member.weighed = weight;
    if (weight > 0) {
      if (before === 0) this.members.add(member);
    } else if (before > 0) {
      this.members.delete(member);
    }
    if (this.total > this.limit && !this.shedding) this.shed();
  }

  /** Sets the shared part; past the limit, members are shed as for any change. */
  setShared(bytes: number): void {
    this.total += bytes - this.sharedBytes;
    this.sharedBytes = bytes;
    if (this.total > this.limit && !this.shedding) this.shed();
  }

  /** Members counted now (for tests and stats). */
  get size(): number {
    return this.members.size;
  }

  private shed(): void {
    this.shedding = true;
    try {
      const target = (this.limit * 7) / 8;
      const largestFirst = [...this.members].sort((a, b) => b.weighed - a.weighed);
      for (const member of largestFirst) {
        if (this.total <= target) break;
        member.shed();
      }
    } finally {
      this.shedding = false;
    }
  }
}
