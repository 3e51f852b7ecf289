import { describe, expect, test } from "bun:test";
import { type Receiver, Receivers } from "../../src/server/receivers.ts";
import type { Topic } from "../../src/server/topic.ts";

/** A receiver that records the frames it gets, and may act on the first. */
class Probe implements Receiver {
  readonly lists: unknown[] = [];
  readonly places: number[] = [];
  readonly got: number[] = [];
  onSend: (() => void) | undefined;
  constructor(readonly name: string) {}
  send(buffer: Uint8Array, start: number): void {
    this.got.push(buffer[start]!);
    const act = this.onSend;
    this.onSend = undefined;
    act?.();
  }
}

const topic = (name: string) => ({ name }) as unknown as Topic;
const frame = (n: number) => Uint8Array.of(n);

describe("Receivers", () => {
  test("leaving moves the last receiver into the place, and each keeps its place in every list", () => {
    const a = new Receivers<Probe>(topic("a"));
    const b = new Receivers<Probe>(topic("b"));
    const [p, q, r] = [new Probe("p"), new Probe("q"), new Probe("r")];
    for (const x of [p, q, r]) a.add(x);
    b.add(r);
    b.add(p);
    expect(a.delete(p)).toBe(true);
    expect(a.delete(p)).toBe(false);
    expect(a.size).toBe(2);
    expect(a.has(p)).toBe(false);
    expect(b.has(p)).toBe(true);
    // r took p's place in a; taking r out of both still finds it.
    expect(a.delete(r)).toBe(true);
    expect(b.delete(r)).toBe(true);
    expect(r.lists).toEqual([]);
    a.send(frame(1), 0, 1);
    b.send(frame(2), 0, 1);
    expect(q.got).toEqual([1]);
    expect(p.got).toEqual([2]);
    expect(r.got).toEqual([]);
  });

  test("a receiver that leaves during a delivery is skipped; nobody still in misses it or gets it twice", () => {
    const list = new Receivers<Probe>(topic("t"));
    const probes = ["p0", "p1", "p2", "p3", "p4"].map((n) => new Probe(n));
    for (const x of probes) list.add(x);
    // p1 takes p3 out before p3's turn, and itself too.
    probes[1]!.onSend = () => {
      list.delete(probes[3]!);
      list.delete(probes[1]!);
    };
    list.send(frame(7), 0, 1);
    expect(probes.map((x) => x.got.length)).toEqual([1, 1, 1, 0, 1]);
    expect(list.size).toBe(3);
    // The holes are closed: the rest are in, at places that work for leaving.
    for (const x of [probes[0]!, probes[4]!, probes[2]!]) expect(list.delete(x)).toBe(true);
    expect(list.size).toBe(0);
  });
});
