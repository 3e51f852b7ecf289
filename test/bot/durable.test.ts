/**
 * State saved with the cursors: a write reaches the database only in the
 * checkpoint whose cursors cover its event, and a failed checkpoint drops it.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { Checkpoints } from "../../src/bot/checkpoint.ts";
import { DurableState, type Position } from "../../src/bot/state/durable.ts";
import { type Cursor, MemoryCursorStore } from "../../src/client/cursor-store.ts";

function setup(generation = () => 0) {
  const db = new Database(":memory:");
  const saved = new Map<string, Cursor>();
  const state = new DurableState(db, {
    saved: (topic) => saved.get(topic),
    generation,
    changed: () => {},
  });
  const fresh = () => new DurableState(db, { saved: () => undefined, generation, changed() {} });
  return { db, saved, state, fresh };
}

const at = (topic: string, seq: number, epoch?: string, generation = 0): Position => ({
  topic,
  seq,
  epoch,
  generation,
});

test("a write waits for a cursor at or past its event", () => {
  const { state, fresh } = setup();
  state.set("s", "k", '"one"', at("#a", 5));
  expect(state.get("s", "k")).toBe('"one"');
  state.flush(new Map([["#a", { seq: 4 }]]));
  expect(fresh().get("s", "k")).toBeUndefined();
  expect(state.pending).toBe(true);
  state.flush(new Map([["#a", { seq: 5 }]]));
  expect(fresh().get("s", "k")).toBe('"one"');
  expect(state.pending).toBe(false);
});

test("a newer version is written only once every older one is covered", () => {
  const { state, saved, fresh } = setup();
  state.set("s", "k", "1", at("#b", 9));
  state.set("s", "k", "2", at("#a", 3));
  // #a is covered, #b is not: "2" includes #b's write, so nothing is written.
  state.flush(new Map([["#a", { seq: 3 }]]));
  expect(fresh().get("s", "k")).toBeUndefined();
  saved.set("#a", { seq: 3 });
  state.flush(new Map([["#b", { seq: 9 }]]));
  expect(fresh().get("s", "k")).toBe("2");
});

test("covered by a cursor saved earlier; writes tied to no event go at once; deletes", () => {
  const { state, saved, fresh } = setup();
  saved.set("#a", { seq: 10, epoch: "e1" });
  state.set("s", "x", "1", at("#a", 8, "e1"));
  state.set("s", "y", "2");
  state.flush(new Map());
  expect(fresh().entries("s")).toEqual([
    ["x", "1"],
    ["y", "2"],
  ]);
  state.set("s", "x", undefined);
  state.flush(new Map());
  expect(fresh().entries("s")).toEqual([["y", "2"]]);
});

test("epochs: a cursor of the topic's newest epoch covers an older epoch's write", () => {
  const { state, fresh } = setup();
  state.set("s", "k", "old", at("#a", 50, "e1"));
  state.flush(new Map([["#a", { seq: 40, epoch: "e1" }]]));
  expect(fresh().get("s", "k")).toBeUndefined();
  state.set("s", "j", "new", at("#a", 2, "e2"));
  state.flush(new Map([["#a", { seq: 1, epoch: "e2" }]]));
  // The e1 write is covered (the topic moved on to e2); the e2 one is not yet.
  expect(fresh().get("s", "k")).toBe("old");
  expect(fresh().get("s", "j")).toBeUndefined();
});

test("a write for an event of an older dispatch generation is dropped", () => {
  let generation = 1;
  const { state } = setup(() => generation);
  state.set("s", "k", "1", at("#a", 1, undefined, 1));
  generation = 2;
  state.set("s", "k", "2", at("#a", 2, undefined, 1));
  expect(state.get("s", "k")).toBe("1");
});

test("checkpoints: state and cursors in one transaction; a failed one saves neither", async () => {
  const { db, state, fresh } = setup();
  const cursors = new MemoryCursorStore();
  let fail = false;
  const failures: string[][] = [];
  const checkpoints = new Checkpoints(
    cursors,
    (_error, topics) => failures.push(topics),
    state,
    (fn) => db.transaction(fn)(),
  );
  checkpoints.addHook(() => {
    if (fail) throw new Error("disk full");
  });
  state.set("s", "k", "1", at("#a", 1));
  checkpoints.advance("#a", 1);
  await checkpoints.save();
  expect(fresh().get("s", "k")).toBe("1");
  expect(cursors.get("#a")).toBe(1);
  fail = true;
  state.set("s", "k", "2", at("#a", 2));
  checkpoints.advance("#a", 2);
  await checkpoints.save();
  expect(failures).toEqual([["#a"]]);
  expect(cursors.get("#a")).toBe(1);
  expect(state.get("s", "k")).toBe("1");
  expect(fresh().get("s", "k")).toBe("1");
  // State alone asks for a checkpoint and is pending until one ran.
  fail = false;
  state.set("s", "k", "3");
  expect(checkpoints.pending).toBe(true);
  await checkpoints.save();
  expect(checkpoints.pending).toBe(false);
  expect(fresh().get("s", "k")).toBe("3");
});
