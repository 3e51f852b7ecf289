/**
 * The plugin store's `update` (one transaction) and `keys(prefix)`, the
 * same on sqlite and in memory.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { memoryStores, sqliteStores } from "../../src/bot/store.ts";

const kinds = {
  sqlite: () => sqliteStores(new Database(":memory:")),
  memory: () => memoryStores(),
};

for (const [kind, make] of Object.entries(kinds)) {
  describe(`${kind} store`, () => {
    test("update reads, writes what fn returns, and returns it; undefined deletes", () => {
      const store = make()("p");
      expect(store.update<number>("n", (n = 0) => n + 1)).toBe(1);
      expect(store.update<number>("n", (n = 0) => n + 1)).toBe(2);
      expect(store.get("n")).toBe(2);
      expect(store.update("n", () => undefined)).toBeUndefined();
      expect(store.has("n")).toBe(false);
    });

    test("a throwing fn writes nothing; an async fn is refused", () => {
      const store = make()("p");
      store.set("n", 1);
      expect(() =>
        store.update("n", () => {
          throw new Error("no");
        }),
      ).toThrow("no");
      expect(store.get("n")).toBe(1);
      expect(() => store.update("n", (async () => 2) as never)).toThrow(
        'store.update("n"): fn must be synchronous',
      );
      expect(store.get("n")).toBe(1);
    });

    test("keys(prefix): those starting with it, in JavaScript string order, a copy", () => {
      const stores = make();
      const store = stores("p");
      for (const key of ["user:bob", "user:alice", "user:Zed", "topic:x", "userx", "é", "ü:1"]) {
        store.set(key, 1);
      }
      stores("other").set("user:carol", 1);
      expect(store.keys("user:")).toEqual(["user:Zed", "user:alice", "user:bob"]);
      expect(store.keys()).toEqual([
        "topic:x",
        "user:Zed",
        "user:alice",
        "user:bob",
        "userx",
        "é",
        "ü:1",
      ]);
      const keys = store.keys("user:");
      store.delete("user:bob");
      expect(keys).toHaveLength(3);
      expect(store.keys("ü")).toEqual(["ü:1"]);
      expect(store.keys("nothing")).toEqual([]);
    });
  });
}
