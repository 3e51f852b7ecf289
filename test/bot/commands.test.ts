import { describe, expect, test } from "bun:test";
import {
  CommandRegistry,
  editDistance,
  parseArgSpec,
  parseCommandLine,
  tokenize,
} from "../../src/bot/commands.ts";

describe("tokenize", () => {
  test("splits on whitespace and groups quoted words", () => {
    expect(tokenize(`a  "b c" 'd e' "say \\"hi\\""`)).toEqual(["a", "b c", "d e", 'say "hi"']);
  });
});

describe("parseArgSpec", () => {
  test("reads required, optional, typed and rest arguments", () => {
    expect(parseArgSpec("<who> [n:int] [words...]", "x")).toEqual([
      { name: "who", type: "string", optional: false, rest: false },
      { name: "n", type: "int", optional: true, rest: false },
      { name: "words", type: "string", optional: true, rest: true },
    ]);
  });

  test("refuses malformed declarations", () => {
    expect(() => parseArgSpec("<who]", "x")).toThrow("bad argument declaration");
    expect(() => parseArgSpec("<a...> <b>", "x")).toThrow("only the last argument");
    expect(() => parseArgSpec("[a] <b>", "x")).toThrow("cannot follow an optional");
  });
});

describe("parseCommandLine", () => {
  const registry = new CommandRegistry();
  const remind = registry.register("remind", {
    args: "<minutes:number> <text...>",
    flags: { topic: { type: "string", short: "t" }, quiet: {} },
  });

  test("flags with values, in any position, and -- ends options", () => {
    expect(parseCommandLine(remind, "--topic=#dev 1.5 tea -- --not-a-flag")).toEqual({
      ok: true,
      args: { minutes: 1.5, text: "tea --not-a-flag", topic: "#dev", quiet: false },
    });
    expect(parseCommandLine(remind, "5 -t #ops stretch --quiet")).toEqual({
      ok: true,
      args: { minutes: 5, text: "stretch", topic: "#ops", quiet: true },
    });
  });

  test("reports what is wrong", () => {
    expect(parseCommandLine(remind, "")).toEqual({ ok: false, error: "missing minutes" });
    expect(parseCommandLine(remind, "5")).toEqual({ ok: false, error: "missing text" });
    expect(parseCommandLine(remind, "5 x --nope")).toEqual({
      ok: false,
      error: "unknown option --nope",
    });
    expect(parseCommandLine(remind, "5 x --topic")).toEqual({
      ok: false,
      error: "option --topic needs a value",
    });
  });

  test("extra words after the last argument are refused", () => {
    const ping = registry.register("ping", {});
    expect(parseCommandLine(ping, "extra")).toEqual({ ok: false, error: 'unexpected "extra"' });
  });

  test("the usage line lists arguments and flags", () => {
    // Types are for the plugin's author, not for chat users.
    expect(remind.usage("!")).toBe("!remind <minutes> <text...> [--topic <string>] [--quiet]");
  });
});

test("editDistance", () => {
  expect(editDistance("kitten", "sitting")).toBe(3);
  expect(editDistance("", "abc")).toBe(3);
  expect(editDistance("same", "same")).toBe(0);
});
