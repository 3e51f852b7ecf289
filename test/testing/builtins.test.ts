/**
 * Built-in plugins and the YAML-only example bot, driven by the harness:
 * what a person in the channel sees.
 */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { definePlugin } from "../../src/bot/api.ts";
import { createHarness } from "../../src/testing/index.ts";

const root = resolve(import.meta.dir, "../..");

describe("help", () => {
  const dice = definePlugin({
    name: "dice",
    setup(bot) {
      bot.command("roll", { args: "<sides:int>", help: "rolls a die" }, (ctx) =>
        ctx.reply(`rolled a die of ${ctx.command.args.sides}`),
      );
    },
  });

  test("!help lists the commands; near misses get a suggestion", async () => {
    await using h = await createHarness({
      bots: [{ id: "dice", topics: ["#general"], plugins: [dice] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "!help");
    const help = await alice.expectMessage({ from: "dice", body: /^Commands:/ });
    expect(help.body).toContain("!roll <sides> — rolls a die");
    await alice.say("#general", "!rol 6");
    await alice.expectMessage({ from: "dice", body: /did you mean !roll\?/ });
    await alice.say("#general", "!roll six");
    await alice.expectMessage({ from: "dice", body: /usage: !roll <sides>$/ });
    await alice.say("#general", "!roll 6");
    await alice.expectMessage({ from: "dice", body: "rolled a die of 6" });
    await alice.expectNoMessage();
  });

  test("use: help with suggest: false turns the suggestions off", async () => {
    await using h = await createHarness({
      bots: [{ id: "dice", topics: ["#general"], plugins: [dice, ["help", { suggest: false }]] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "!rol 6");
    await alice.expectNoMessage({ from: "dice" });
    await alice.say("#general", "!help");
    await alice.expectMessage({ from: "dice", body: /^Commands:/ });
  });
});

describe("echo", () => {
  test("a renamed command, and direct messages left alone", async () => {
    const config = `
bots:
  - id: echo@localhost
    topics: ["#general"]
    state: ./data/echo
    plugins:
      - use: echo
        with: { command: "!say", direct: false }
`;
    await using h = await createHarness({ config });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "!say hi there");
    await alice.expectMessage({ from: "echo", body: "hi there" });
    await alice.say("#general", "!echo hi");
    await alice.dm("echo", "psst");
    await alice.expectNoMessage({ from: "echo" });
  });
});

describe("scheduler", () => {
  test("announcements in a time zone, to a channel and every so often", async () => {
    const config = `
bots:
  - id: crier@localhost
    topics: ["#general", "#dev"]
    state: ./data/crier
    plugins:
      - use: scheduler
        with:
          announcements:
            - every: "0 9 * * 1-5"
              timezone: Europe/Paris
              topic: "#general"
              text: stand-up!
            - every: 2h
              topic: "#dev"
              text: stretch your legs
`;
    await using h = await createHarness({
      config,
      // Monday 2026-11-30, 07:30 UTC = 08:30 in Paris.
      clockStart: new Date(Date.UTC(2026, 10, 30, 7, 30)),
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.join("#dev");
    await h.clock.advance(29 * 60_000);
    await alice.expectNoMessage({ from: "crier" });
    await h.clock.advance(60_000);
    await alice.expectMessage({ from: "crier", topic: "#general", body: "stand-up!" });
    await h.clock.advance(90 * 60_000);
    await alice.expectMessage({ from: "crier", topic: "#dev", body: "stretch your legs" });
    await h.clock.advance(4 * 3_600_000);
    const dev = alice.messages.filter((m) => m.body === "stretch your legs");
    expect(dev).toHaveLength(3);
    expect(alice.messages.filter((m) => m.body === "stand-up!")).toHaveLength(1);
  });
});

describe("bots/responder.yaml", () => {
  const config = join(root, "bots/responder.yaml");

  test("answers with templates, commands and !help", async () => {
    await using h = await createHarness({ config });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "hi there");
    await alice.expectMessage({ from: "helper", body: "Hello alice!" });
    await alice.say("#general", "who is bob?");
    await alice.expectMessage({
      from: "helper",
      body: "bob? Ask them: they are probably in #general.",
    });
    await alice.say("#general", "!rules");
    await alice.expectMessage({
      from: "helper",
      body: "1. Be kind. 2. Stay on topic. 3. No spam.",
    });
    await alice.say("#general", "!say it twice");
    await alice.expectMessage({ from: "helper", body: "alice says: it twice" });
    await alice.say("#general", "!rule");
    await alice.expectMessage({
      from: "helper",
      body: "unknown command !rule — did you mean !rules?",
    });
    await alice.say("#general", "!help");
    const help = await alice.expectMessage({ from: "helper", body: /^Commands:/ });
    expect(help.body).toContain("!rules [text...] — the channel rules");
    expect(help.body).toContain("!say [text...] — repeats what you say");
    await alice.say("#general", "nothing to see here");
    await alice.expectNoMessage({ from: "helper" });
  });

  test("cooldowns on h.clock: per topic for greetings, per user for coffee", async () => {
    await using h = await createHarness({ config });
    const alice = await h.user("alice");
    const bob = await h.user("bob");
    await alice.join("#general");
    await bob.join("#general");
    await alice.say("#general", "hi there");
    await alice.expectMessage({ from: "helper", body: "Hello alice!" });
    await bob.say("#general", "hey again");
    await alice.expectNoMessage({ from: "helper" }); // within the 60 s cooldown of #general
    await h.clock.advance(60_000);
    await bob.say("#general", "hello");
    await alice.expectMessage({ from: "helper", body: "Hello bob!" });

    await alice.say("#general", "Coffee time");
    await alice.expectMessage({ from: "helper", body: "☕ for alice" });
    await alice.say("#general", "more coffee");
    await alice.expectNoMessage({ from: "helper" }); // alice's 300 s
    await bob.say("#general", "coffee please");
    await alice.expectMessage({ from: "helper", body: "☕ for bob" });
    await h.clock.advance(300_000);
    await alice.say("#general", "coffee");
    await alice.expectMessage({ from: "helper", body: "☕ for alice" });
  });

  test("the stand-up reminder on weekday mornings, local time", async () => {
    await using h = await createHarness({
      config,
      // Friday 2026-11-27, 08:50 local time: the cron expression has no time zone.
      clockStart: new Date(2026, 10, 27, 8, 50),
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await h.clock.advance(9 * 60_000);
    await alice.expectNoMessage({ from: "helper" });
    await h.clock.advance(60_000);
    await alice.expectMessage({ from: "helper", body: "Stand-up in 15 minutes!" });
    // Saturday and Sunday are skipped; Monday 09:00 is next.
    await h.clock.advance(2 * 24 * 3_600_000);
    await alice.expectNoMessage({ from: "helper" });
    await h.clock.advance(24 * 3_600_000);
    await alice.expectMessage({ from: "helper", body: "Stand-up in 15 minutes!" });
    expect(alice.messages.filter((m) => m.from.startsWith("helper@"))).toHaveLength(2);
  });
});

describe("responders: command cooldowns", () => {
  test("a command run too soon answers once with the wait; notify: false stays silent", async () => {
    const config = `
bots:
  - id: helper@localhost
    topics: ["#general"]
    state: ./data/helper
    plugins:
      - use: responders
        with:
          rules:
            - command: tea
              reply: "tea for {from.local}"
              cooldown: { seconds: 60, per: user }
            - command: quiet
              reply: "shh"
              cooldown: { seconds: 60, notify: false }
`;
    await using h = await createHarness({ config });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "!tea");
    await alice.expectMessage({ from: "helper", body: "tea for alice" });
    await h.clock.advance(20_000);
    await alice.say("#general", "!tea");
    await alice.expectMessage({ from: "helper", body: "!tea: try again in 40 s" });
    await alice.say("#general", "!tea");
    await alice.say("#general", "!quiet");
    await alice.expectMessage({ from: "helper", body: "shh" });
    await alice.say("#general", "!quiet");
    await alice.expectNoMessage({ from: "helper" });
    await h.clock.advance(40_000);
    await alice.say("#general", "!tea");
    await alice.expectMessage({ from: "helper", body: "tea for alice" });
  });
});
