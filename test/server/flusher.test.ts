import { describe, expect, test } from "bun:test";
import { Flusher, LIGHT_EVENTS } from "../../src/server/flusher.ts";

/** A flusher whose event-loop turns and publish counter the test drives by hand. */
function manualFlusher(slice: number) {
  const turns: (() => void)[] = [];
  const log: string[] = [];
  const load = { published: 0, urgent: false };
  const flusher = new Flusher<{ flush(): void }>({
    beforeWrite: () => log.push("commit"),
    written: () => log.push("written"),
    urgent: () => load.urgent,
    published: () => load.published,
    defer: (callback) => turns.push(callback),
    slice,
  });
  const connection = (name: string) => ({ flush: () => log.push(name) });
  const nextTurn = () => {
    const callback = turns.shift();
    if (!callback) throw new Error("nothing scheduled");
    callback();
  };
  return { flusher, turns, log, load, connection, nextTurn };
}

describe("Flusher", () => {
  test("light load: waits one turn for stragglers, then writes each connection once", () => {
    const { flusher, turns, log, load, connection, nextTurn } = manualFlusher(128);
    load.published += 1;
    flusher.add(connection("a"));
    flusher.add(connection("b"));
    expect(turns.length).toBe(1); // one turn scheduled, however many connections
    nextTurn();
    expect(log).toEqual([]);
    // A second publisher's message read in the waiting turn joins the same writes.
    load.published += 1;
    nextTurn();
    expect(log).toEqual(["commit", "a", "b", "written"]);
    expect(flusher.size).toBe(0);
    expect(turns.length).toBe(0);
  });

  test("a turn that made all it may is written at once; wake runs a flush with nothing queued", () => {
    const { flusher, log, load, connection, nextTurn } = manualFlusher(1);
    load.published += 1;
    load.urgent = true;
    flusher.add(connection("a"));
    flusher.add(connection("b"));
    // No waiting turn, no slices: requests wait for this write.
    nextTurn();
    expect(log).toEqual(["commit", "a", "b", "written"]);
    flusher.wake();
    nextTurn();
    expect(log).toEqual(["commit", "a", "b", "written", "written"]);
  });

  test("heavy load: writes at once, every connection in one go", () => {
    const { flusher, log, load, connection, nextTurn } = manualFlusher(2);
    load.published += LIGHT_EVENTS;
    for (const name of ["a", "b", "c", "d", "e"]) flusher.add(connection(name));
    nextTurn();
    expect(log).toEqual(["commit", "a", "b", "c", "d", "e", "written"]);
  });

  test("a light fan-out goes out in slices, and what arrives between them is written in order", () => {
    const { flusher, log, turns, connection, nextTurn } = manualFlusher(2);
    for (const name of ["a", "b", "c", "d", "e"]) flusher.add(connection(name));
    nextTurn(); // waits
    nextTurn();
    expect(log).toEqual(["commit", "a", "b"]);
    // Read between slices: "a" has new output and queues again, behind "e".
    flusher.add(connection("a"));
    while (turns.length > 0) nextTurn();
    // `written` only once all of it is.
    expect(log).toEqual(["commit", "a", "b", "commit", "c", "d", "commit", "e", "a", "written"]);
    expect(flusher.size).toBe(0);
  });

  test("a connection that queues itself while being written goes to a later slice", () => {
    const { flusher, log, turns, load, nextTurn } = manualFlusher(10);
    let again = true;
    const self = {
      flush: () => {
        log.push("self");
        if (again) {
          again = false;
          flusher.add(self);
        }
      },
    };
    load.published += LIGHT_EVENTS;
    flusher.add(self);
    nextTurn();
    expect(log).toEqual(["commit", "self"]);
    expect(turns.length).toBe(1);
    while (turns.length > 0) nextTurn();
    expect(log).toEqual(["commit", "self", "commit", "self", "written"]);
  });
  test("a write that throws leaves the next flush whole, without repeats", () => {
    const { flusher, log, turns, load, connection, nextTurn } = manualFlusher(10);
    load.published += LIGHT_EVENTS;
    flusher.add(connection("a"));
    flusher.add({
      flush: () => {
        throw new Error("socket gone");
      },
    });
    expect(() => nextTurn()).toThrow("socket gone");
    load.published += LIGHT_EVENTS;
    flusher.add(connection("b"));
    flusher.add(connection("c"));
    while (turns.length > 0) nextTurn();
    expect(log).toEqual(["commit", "a", "commit", "b", "c", "written"]);
    expect(flusher.size).toBe(0);
  });
});
