/**
 * bots/karma.ts run from a configuration under the harness, as `scalar run`
 * starts it: votes and commands, the store across a restart, the weekly
 * summary on `h.clock`, and the bot-level `admins` key.
 */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { createHarness } from "../../src/testing/index.ts";

const root = resolve(import.meta.dir, "../..");

/** The karma bot with the summary on Fridays at 17:00 UTC and one admin. */
const config = `
bots:
  - id: karma@localhost
    topics: ["#general"]
    state: ./data/karma
    admins: [root@localhost]
    plugins:
      - use: ./bots/karma.ts
        with:
          summary: { every: "0 17 * * 5", topic: "#general", timezone: UTC }
`;

/** Friday 2026-11-27, 16:00 UTC: an hour before the summary. */
const fridayAfternoon = new Date(Date.UTC(2026, 10, 27, 16, 0));

describe("bots/karma.ts", () => {
  test("votes, !karma, !top; no self-votes; a cooldown per voter on h.clock", async () => {
    await using h = await createHarness({ config, configDir: root });
    const alice = await h.user("alice");
    const bob = await h.user("bob");
    await alice.join("#general");
    await bob.join("#general");
    await alice.say("#general", "alice++");
    await alice.expectMessage({ from: "karma", body: "no voting for yourself" });
    await h.clock.advance(30_000);
    await alice.say("#general", "bob++");
    await alice.expectMessage({ from: "karma", body: "bob now has 1 karma" });
    // Alice voted less than 30 s ago: ignored. Bob has his own cooldown.
    await alice.say("#general", "carol++");
    await alice.expectNoMessage({ from: "karma" });
    await bob.say("#general", "@Carol++");
    await alice.expectMessage({ from: "karma", body: "carol now has 1 karma" });
    await h.clock.advance(30_000);
    await alice.say("#general", "carol++");
    await alice.expectMessage({ from: "karma", body: "carol now has 2 karma" });
    await bob.say("#general", "dave--");
    await alice.expectMessage({ from: "karma", body: "dave now has -1 karma" });
    await alice.say("#general", "!karma Carol");
    await alice.expectMessage({ from: "karma", body: "carol has 2 karma" });
    await bob.say("#general", "!karma");
    await alice.expectMessage({ from: "karma", body: "bob has 1 karma" });
    await alice.say("#general", "!top");
    await alice.expectMessage({ from: "karma", body: "1. carol (2), 2. bob (1), 3. dave (-1)" });
    await alice.say("#general", "!leaderboard 1");
    await alice.expectMessage({ from: "karma", body: "1. carol (2)" });
    await alice.expectNoMessage({ from: "karma" });
    expect(h.errors).toEqual([]);
  });

  test("scores survive a restart; votes said while it was down are not counted", async () => {
    await using h = await createHarness({ config, configDir: root });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "bob++");
    await alice.expectMessage({ from: "karma", body: "bob now has 1 karma" });
    await h.restartBot("karma", { whileDown: () => alice.say("#general", "carol++") });
    // The vote for carol comes back from history, replayed: no answer, no score.
    await alice.expectNoMessage({ from: "karma" });
    await alice.say("#general", "!top");
    await alice.expectMessage({ from: "karma", body: "1. bob (1)" });
    // A fresh bot has fresh cooldowns; the score goes on from the stored one.
    await alice.say("#general", "bob++");
    await alice.expectMessage({ from: "karma", body: "bob now has 2 karma" });
  });

  test("the leaderboard is posted on Fridays at 17:00 UTC, before and after a restart", async () => {
    await using h = await createHarness({ config, configDir: root, clockStart: fridayAfternoon });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "bob++");
    await alice.expectMessage({ from: "karma", body: "bob now has 1 karma" });
    await h.clock.advance(59 * 60_000);
    await alice.expectNoMessage({ from: "karma" });
    await h.clock.advance(60_000);
    await alice.expectMessage({ from: "karma", body: "Karma leaderboard: 1. bob (1)" });
    await h.restartBot("karma");
    await h.clock.advance(30_000);
    await alice.say("#general", "carol--");
    await alice.expectMessage({ from: "karma", body: "carol now has -1 karma" });
    // Six days and 23 hours later: not yet; then the next Friday's.
    await h.clock.advance(7 * 24 * 3_600_000 - 3_600_000);
    await alice.expectNoMessage({ from: "karma" });
    await h.clock.advance(3_600_000);
    await alice.expectMessage({
      from: "karma",
      body: "Karma leaderboard: 1. bob (1), 2. carol (-1)",
    });
    expect(alice.messages.filter((m) => m.body.startsWith("Karma leaderboard"))).toHaveLength(2);
  });
});

describe("the bot-level admins key", () => {
  test("!karma-reset works for a configured admin and is refused for others", async () => {
    await using h = await createHarness({ config, configDir: root });
    const alice = await h.user("alice");
    const root_ = await h.user("root");
    await alice.join("#general");
    await root_.join("#general");
    await alice.say("#general", "bob++");
    await alice.expectMessage({ from: "karma", body: "bob now has 1 karma" });
    await alice.say("#general", "!karma-reset bob");
    await alice.expectMessage({
      from: "karma",
      body: "!karma-reset: not allowed for alice@localhost",
    });
    await alice.say("#general", "!karma bob");
    await alice.expectMessage({ from: "karma", body: "bob has 1 karma" });
    await root_.say("#general", "!karma-reset bob");
    await alice.expectMessage({ from: "karma", body: "bob starts again from 0" });
    await alice.say("#general", "!karma bob");
    await alice.expectMessage({ from: "karma", body: "bob has 0 karma" });
    await alice.say("#general", "!help karma-reset");
    await alice.expectMessage({ from: "karma", body: /\nadmins only$/ });
  });

  test("without admins nobody may run an admin-only command", async () => {
    const noAdmins = config.replace("    admins: [root@localhost]\n", "");
    expect(noAdmins).not.toContain("admins");
    await using h = await createHarness({ config: noAdmins, configDir: root });
    const root_ = await h.user("root");
    await root_.join("#general");
    await root_.say("#general", "!karma-reset bob");
    await root_.expectMessage({
      from: "karma",
      body: "!karma-reset: not allowed for root@localhost",
    });
  });

  test("config.example.yaml: admin@localhost may reset karma on the greeter bot", async () => {
    await using h = await createHarness({ config: join(root, "config.example.yaml") });
    const alice = await h.user("alice");
    const admin = await h.user("admin");
    await alice.join("#general");
    await admin.join("#general");
    await alice.say("#general", "bob++");
    await alice.expectMessage({ from: "greeter", body: "bob now has 1 karma" });
    await alice.say("#general", "!karma-reset bob");
    await alice.expectMessage({ from: "greeter", body: /^!karma-reset: not allowed/ });
    await admin.say("#general", "!karma-reset bob");
    await alice.expectMessage({ from: "greeter", body: "bob starts again from 0" });
  });
});
