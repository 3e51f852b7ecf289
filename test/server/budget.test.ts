import { describe, expect, test } from "bun:test";
import { type BudgetMember, ByteBudget } from "../../src/server/budget.ts";

class Member implements BudgetMember {
  accounted = 0;
  weighed = 0;
  shedded = false;
  /** What shedding it lets go of besides its own bytes (its arenas, say). */
  onShed: (() => void) | undefined;
  constructor(private readonly budget: ByteBudget) {}
  shed(): void {
    this.shedded = true;
    this.budget.change(this, 0);
    this.onShed?.();
  }
}

describe("ByteBudget", () => {
  test("the shared part counts once; past the limit, members go by their weight", () => {
    const budget = new ByteBudget(1000);
    const [a, b, c] = [0, 1, 2].map(() => new Member(budget)) as [Member, Member, Member];
    // b holds little of its own but uses much of what is shared.
    budget.change(a, 300);
    budget.change(b, 10, 600);
    budget.change(c, 100, 150);
    budget.setShared(500);
    expect(budget.total).toBe(910);
    expect(budget.size).toBe(3);
    // Past the limit: b (weight 600) goes first; letting go of the 600 shared
    // bytes only it used is enough (under 875).
    b.onShed = () => budget.setShared(100);
    budget.setShared(700);
    expect([a.shedded, b.shedded, c.shedded]).toEqual([false, true, false]);
    expect(budget.total).toBe(500);
  });
});
