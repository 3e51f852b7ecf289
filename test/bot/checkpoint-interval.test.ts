/**
 * Checkpoints come right after a burst when the bot was quiet, and at most
 * once an interval when it is busy, so the state database is written ~10
 * times a second however many events arrive.
 */
import { expect, test } from "bun:test";
import { Checkpoints } from "../../src/bot/checkpoint.ts";
import { type Cursor, MemoryCursorStore } from "../../src/client/cursor-store.ts";

/** A cursor store that says when each write happened. */
class WatchedStore extends MemoryCursorStore {
  readonly writes: { at: number; cursors: Map<string, Cursor> }[] = [];
  private waiting: (() => void) | undefined;
  override setAll(cursors: ReadonlyMap<string, Cursor>): void {
    super.setAll(cursors);
    this.writes.push({ at: performance.now(), cursors: new Map(cursors) });
    this.waiting?.();
  }
  nextWrite(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

test("a quiet bot saves after the burst; the next checkpoint waits out the interval and takes every event since", async () => {
  const store = new WatchedStore();
  const checkpoints = new Checkpoints(store, () => {}, undefined, undefined, 40);
  let written = store.nextWrite();
  checkpoints.advance("#a", 1);
  await written;
  expect(store.writes.map((w) => w.cursors.get("#a")?.seq)).toEqual([1]);

  written = store.nextWrite();
  for (let seq = 2; seq <= 50; seq++) checkpoints.advance("#a", seq);
  checkpoints.advance("#b", 7);
  // A burst later nothing is written yet: the interval has not passed.
  await new Promise((resolve) => setImmediate(resolve));
  expect(store.writes).toHaveLength(1);
  expect(checkpoints.pending).toBe(true);
  await written;
  expect(store.writes).toHaveLength(2);
  expect(store.writes[1]!.at - store.writes[0]!.at).toBeGreaterThanOrEqual(39);
  expect(store.get("#a")).toBe(50);
  expect(store.get("#b")).toBe(7);
  expect(checkpoints.pending).toBe(false);
});

test("an explicit save (a stopping bot) writes at once and leaves no timer behind", async () => {
  const store = new WatchedStore();
  const checkpoints = new Checkpoints(store, () => {}, undefined, undefined, 60_000);
  const first = store.nextWrite();
  checkpoints.advance("#a", 1);
  await first;
  checkpoints.advance("#a", 2);
  await checkpoints.save();
  expect(store.get("#a")).toBe(2);
  expect(store.writes).toHaveLength(2);
  // With the timer cleared, a new event asks for a checkpoint of its own.
  checkpoints.advance("#a", 3);
  expect(checkpoints.pending).toBe(true);
  await checkpoints.save();
  expect(store.get("#a")).toBe(3);
});
