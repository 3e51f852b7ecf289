/**
 * The memory store's lanes as they grow, are evicted and are copied into a
 * chunk of their size when mostly empty (history/lane.ts): what a page
 * returns is always the bytes that were appended.
 */
import { describe, expect, test } from "bun:test";
import { MemoryHistoryStore } from "../../src/server/index.ts";

function payload(seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seq * 31 + i) & 0xff;
  return bytes;
}

const topic = (name: string) => ({ name, epoch: "e", inbox: false });

describe("memory store lanes", () => {
  test("pages return what was appended through growth, eviction and repacking", () => {
    const store = new MemoryHistoryStore({
      messages: { topicEvents: 40, totalEvents: 100_000 },
    });
    const sizes = new Map<number, number>();
    for (let seq = 1; seq <= 2000; seq++) {
      // Sizes that make chunks of every size, and evictions that leave them mostly empty.
      const size = seq % 97 === 0 ? 15_000 : 20 + ((seq * 37) % 400);
      sizes.set(seq, size);
      store.append(topic("#t"), seq, seq, true, payload(seq, size));
      if (seq % 50 === 0 || seq > 1990) {
        const page = store.select("#t", { last: 40 }, 40, 1 << 30);
        const first = Math.max(1, seq - 39);
        expect(page.events.length).toBe(seq - first + 1);
        page.events.forEach((bytes, i) => {
          expect(bytes).toEqual(payload(first + i, sizes.get(first + i)!));
        });
      }
    }
  });

  test("many topics whose old events the total bound dropped keep their newest intact", () => {
    const store = new MemoryHistoryStore({ presence: { totalEvents: 50 } });
    for (let round = 0; round < 30; round++) {
      for (let t = 0; t < 20; t++) {
        const seq = round + 1;
        store.append(topic(`#c${t}`), seq, seq, false, payload(seq * 100 + t, 90));
      }
    }
    // The newest 50 presence events: rounds 28–30 of the topics (the pool keeps 50 in all).
    for (let t = 0; t < 20; t++) {
      const page = store.select(`#c${t}`, { after: 0 }, 100, 1 << 30);
      expect(page.events.length).toBeGreaterThan(0);
      const last = page.events.at(-1)!;
      expect(last).toEqual(payload(30 * 100 + t, 90));
    }
  });
});
