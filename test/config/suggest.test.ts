import { expect, test } from "bun:test";
import { closest, typoDistance } from "../../src/config/suggest.ts";

test("a swap of neighbours is one edit; insertions, deletions and substitutions one each", () => {
  expect(typoDistance("topcis", "topics")).toBe(1);
  expect(typoDistance("domian", "domain")).toBe(1);
  expect(typoDistance("stat", "state")).toBe(1);
  expect(typoDistance("satte", "state")).toBe(1);
  expect(typoDistance("port", "prot")).toBe(1);
  expect(typoDistance("host", "hsot")).toBe(1);
  expect(typoDistance("", "abc")).toBe(3);
  expect(typoDistance("kitten", "sitting")).toBe(3);
});

test("the closest known word within a third of the letters (one edit in short words)", () => {
  const keys = ["id", "token", "topics", "state", "backlog", "admins", "plugins"];
  expect(closest("topcis", keys)).toBe("topics");
  expect(closest("Topics", keys)).toBe("topics");
  expect(closest("plugin", keys)).toBe("plugins");
  expect(closest("ib", keys)).toBe("id");
  expect(closest("colour", keys)).toBeUndefined();
  expect(closest("xy", keys)).toBeUndefined();
  expect(closest("topics", keys)).toBeUndefined();
});
