/**
 * docs/testing.md's examples. Every `ts` block of that page is copied below
 * verbatim (the first brings the imports the others share), and the last
 * test checks that the page and this file still agree.
 */
import { expect, test } from "bun:test";
import { definePlugin } from "scalarbot";
import { createHarness, runCommandExamples } from "scalarbot/testing";

const greeter = definePlugin({
  name: "greeter",
  setup(bot) {
    bot.on("join", (ctx) => ctx.reply(`Welcome, ${ctx.from.split("@")[0]}!`));
  },
});

test("greets newcomers", async () => {
  const h = await createHarness({
    bots: [{ id: "greeter", topics: ["#general"], plugins: [greeter] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.expectMessage({ from: "greeter", body: /Welcome, alice/ });
  await h.close();
});

test("answers once, and only to the command", async () => {
  const h = await createHarness({
    bots: [{ id: "echo", topics: ["#general"], plugins: ["echo"] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!echo hi");
  await alice.expectMessage({ from: "echo", body: "hi" });
  await alice.say("#general", "just chatting");
  await alice.expectNoMessage({ from: "echo" });
  await h.close();
});

test("a transcript makes a readable snapshot", async () => {
  await using h = await createHarness({
    bots: [{ id: "greeter", topics: ["#general"], plugins: [greeter] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.expectMessage({ from: "greeter" });
  expect(h.transcript()).toBe("#general * alice joined\n#general <greeter> Welcome, alice!");
});

test("the stand-up reminder comes every morning at nine", async () => {
  const reminder = definePlugin({
    name: "reminder",
    setup(bot) {
      bot.every("0 9 * * *", (tick) => tick.send("#general", "stand-up!"), { timezone: "UTC" });
    },
  });
  await using h = await createHarness({
    bots: [{ id: "reminder", topics: ["#general"], plugins: [reminder] }],
    clockStart: new Date("2026-03-02T08:00:00Z"),
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await h.clock.advance(59 * 60_000);
  await alice.expectNoMessage({ from: "reminder" });
  await h.clock.advance(60_000);
  await alice.expectMessage({ from: "reminder", body: "stand-up!" });
  await h.clock.advance(2 * 24 * 3_600_000);
  expect(alice.messages.filter((m) => m.body === "stand-up!")).toHaveLength(3);
});

test("the logger misses nothing while its bot is away", async () => {
  await using h = await createHarness({ config: "config.example.yaml" });
  const alice = await h.user("alice");
  await alice.join("#dev");
  await h.restartBot("logbot", { whileDown: () => alice.say("#dev", "said while down") });
  const day = new Date().toISOString().slice(0, 10);
  const log = await Bun.file(`${h.dir}/logs/#dev@localhost/${day}.jsonl`).text();
  expect(log).toContain('"body":"said while down"');
});

test("a failing lookup is reported, and the bot goes on", async () => {
  const weather = definePlugin({
    name: "weather",
    setup(bot) {
      bot.command("weather", { args: "<city>" }, (ctx) => {
        if (ctx.command.args.city === "atlantis") throw new Error("no such city");
        return ctx.reply("sunny");
      });
    },
  });
  await using h = await createHarness({
    bots: [{ id: "weather", topics: ["#general"], plugins: [weather] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!weather atlantis");
  const error = await h.expectError("no such city");
  expect(error.message).toContain("plugin weather failed on command weather");
  await alice.say("#general", "!weather paris");
  await alice.expectMessage({ from: "weather", body: "sunny" });
});

test("every command example gets its answer", async () => {
  await using h = await createHarness({ config: "config.example.yaml" });
  const runs = await runCommandExamples(h);
  expect(runs.map((r) => r.example.say)).toContain("!profile nobody");
});

test("docs/testing.md: every ts block is in this file, verbatim", async () => {
  const doc = await Bun.file(new URL("../../docs/testing.md", import.meta.url)).text();
  const self = await Bun.file(import.meta.path).text();
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  for (const block of blocks) expect(self).toContain(block);
});
