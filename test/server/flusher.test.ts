import { describe, expect, test } from "bun:test";
import { Flusher } from "../../src/server/flusher.ts";

/** A flusher whose event-loop turns the test runs by hand. */
function manualFlusher(slice: number) {
  const turns: (() => void)[] = [];
  const log: string[] = [];
  const flusher = new Flusher<{ flush(): void }>(
    () => log.push("commit"),
    slice,
    (callback) => turns.push(callback),
  );
  const connection = (name: string) => ({ flush: () => log.push(name) });
  const nextTurn = () => {
    const callback = turns.shift();
    if (!callback) throw new Error("nothing scheduled");
    callback();
  };
  return { flusher, turns, log, connection, nextTurn };
}

describe("Flusher", () => {
  test("writes nothing until the turn ends, then every queued connection after one commit", () => {
    const { flusher, turns, log, connection, nextTurn } = manualFlusher(128);
    flusher.add(connection("a"));
    flusher.add(connection("b"));
    expect(log).toEqual([]);
    expect(turns.length).toBe(1); // one turn scheduled, however many connections
    nextTurn();
    expect(log).toEqual(["commit", "a", "b"]);
    expect(flusher.size).toBe(0);
    expect(turns.length).toBe(0);
  });

  test("a large fan-out goes out in slices, and what arrives between them is written in order", () => {
    const { flusher, log, turns, connection, nextTurn } = manualFlusher(2);
    for (const name of ["a", "b", "c", "d", "e"]) flusher.add(connection(name));
    nextTurn();
    expect(log).toEqual(["commit", "a", "b"]);
    // Read between slices: "a" has new output and queues again, behind "e".
    flusher.add(connection("a"));
    nextTurn();
    nextTurn();
    expect(log).toEqual(["commit", "a", "b", "commit", "c", "d", "commit", "e", "a"]);
    expect(flusher.size).toBe(0);
    expect(turns.length).toBe(0);
  });

  test("a connection that queues itself while being written goes to the next slice", () => {
    const { flusher, log, turns, nextTurn } = manualFlusher(10);
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
    flusher.add(self);
    nextTurn();
    expect(log).toEqual(["commit", "self"]);
    expect(turns.length).toBe(1);
    nextTurn();
    expect(log).toEqual(["commit", "self", "commit", "self"]);
  });
});
