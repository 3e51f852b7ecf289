/**
 * The example configuration and bots, and the built-in plugins, run under
 * the harness exactly as `scalar run` would start them.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import greeter from "../../bots/greeter.ts";
import { createHarness, type Harness } from "../../src/testing/index.ts";

const root = resolve(import.meta.dir, "../..");

/** The logger's lines for one topic folder, parsed. */
function logged(h: Harness, folder: string): Record<string, unknown>[] {
  const dir = join(h.dir, "logs", folder);
  return readdirSync(dir)
    .sort()
    .flatMap((file) => readFileSync(join(dir, file), "utf8").trim().split("\n"))
    .map((line) => JSON.parse(line));
}

describe("config.example.yaml", () => {
  test("the greeter welcomes, answers !hello and !echo; logbot logs", async () => {
    await using h = await createHarness({ config: join(root, "config.example.yaml") });
    expect(h.domain).toBe("localhost");
    expect(h.bots.map((b) => b.id)).toEqual(["logbot@localhost", "greeter@localhost"]);
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.expectMessage({ from: "greeter", body: "Welcome, alice! Say !hello to me." });
    await alice.say("#general", "!hello");
    await alice.expectMessage({ from: "greeter", body: "Hello, alice!" });
    await alice.say("#general", "!echo ping");
    await alice.expectMessage({ from: "greeter", body: "ping" });
    await alice.expectNoMessage();
    expect(alice.transcript()).toBe(`#general * alice joined
#general <greeter> Welcome, alice! Say !hello to me.
#general <alice> !hello
#general <greeter> Hello, alice!
#general <alice> !echo ping
#general <greeter> ping`);
    // The logger wrote under h.dir, never next to the configuration.
    const lines = logged(h, "#general@localhost");
    expect(lines.slice(-6).map((l) => [l.from, l.kind, l.body ?? null])).toEqual([
      ["alice@localhost", "join", ""],
      ["greeter@localhost", "message", "Welcome, alice! Say !hello to me."],
      ["alice@localhost", "message", "!hello"],
      ["greeter@localhost", "message", "Hello, alice!"],
      ["alice@localhost", "message", "!echo ping"],
      ["greeter@localhost", "message", "ping"],
    ]);
  });

  test("the logger writes each event once across a dropped link and a restart", async () => {
    await using h = await createHarness({ config: join(root, "config.example.yaml") });
    const alice = await h.user("alice");
    await alice.join("#dev");
    await alice.say("#dev", "one");
    await h.settle();
    await h.dropConnection("logbot", { whileDown: () => alice.say("#dev", "two") });
    await h.restartBot("logbot", { whileDown: () => alice.say("#dev", "three") });
    await alice.say("#dev", "four");
    await h.settle();
    const lines = logged(h, "#dev@localhost");
    const seqs = lines.map((l) => l.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(
      lines.filter((l) => l.kind === "message").map((l) => [l.body, l.replayed ?? false]),
    ).toEqual([
      ["one", false],
      ["two", true],
      ["three", true],
      ["four", false],
    ]);
  });
});

describe("configuration text", () => {
  test("module paths resolve against configDir; state goes under h.dir", async () => {
    const yaml = `
server: { host: 10.0.0.1, port: 1 }
bots:
  - id: hi@example.org
    topics: ["#lobby"]
    state: ./data/hi
    plugins:
      - use: ./bots/greeter.ts
        with: { greeting: Hi }
`;
    await using h = await createHarness({ config: yaml, configDir: root });
    expect(h.domain).toBe("example.org");
    const bob = await h.user("bob");
    expect(bob.id).toBe("bob@example.org");
    await bob.join("#lobby");
    await bob.expectMessage({ from: "hi", body: "Hi, bob! Say !hello to me." });
    expect(readdirSync(join(h.dir, "state"))).toEqual(["hi@example.org"]);
  });

  test("configuration errors are the loader's", async () => {
    await expect(
      createHarness({ config: "bots:\n  - id: x@localhost\n    state: ./s\n    colour: red\n" }),
    ).rejects.toThrow('(config):4: bots[0].colour: unknown key "colour"');
  });
});

describe("bots/greeter.ts", () => {
  test("greets with its option, never itself, and only live joins", async () => {
    await using h = await createHarness({
      bots: [{ id: "greeter", topics: ["#general"], plugins: [[greeter, { greeting: "Hey" }]] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.expectMessage({ from: "greeter", body: "Hey, alice! Say !hello to me." });
    await alice.leave("#general");
    await h.restartBot("greeter", { whileDown: () => alice.join("#general") });
    // The join happened while the greeter was down: replayed, not answered.
    await alice.expectNoMessage({ from: "greeter" });
  });
});
