/**
 * `ctx.ask` under the harness, over real sockets: the `!signup` of
 * issue 18 — two questions, another user's message in between is no
 * answer, another user's `!ping` is answered while a question is open, and
 * the harness clock moved past `within` makes the handler see undefined.
 */
import { expect, test } from "bun:test";
import { definePlugin } from "../../src/bot/index.ts";
import { createHarness } from "../../src/testing/index.ts";

const signup = definePlugin({
  name: "signup",
  setup(bot) {
    bot.command("signup", async (ctx) => {
      const name = await ctx.ask("name?", { within: "2m" });
      if (name === undefined) return ctx.reply("too slow");
      const color = await ctx.ask("color?", { within: "2m" });
      if (color === undefined) return ctx.reply("too slow");
      await ctx.reply(`${name.body} likes ${color.body}`);
    });
    bot.command("ping", (ctx) => ctx.reply("pong"));
  },
});

test("!signup asks twice; bob's message is no answer, bob's !ping is answered meanwhile", async () => {
  await using h = await createHarness({
    bots: [{ id: "bot", topics: ["#general"], plugins: [signup] }],
  });
  const alice = await h.user("alice");
  const bob = await h.user("bob");
  await alice.join("#general");
  await bob.join("#general");
  await alice.say("#general", "!signup");
  await alice.expectMessage({ from: "bot", body: "name?" });
  await bob.say("#general", "Mallory");
  await bob.say("#general", "!ping");
  await bob.expectMessage({ from: "bot", body: "pong" });
  await alice.expectMessage({ from: "bot", body: "pong" });
  await alice.say("#general", "Alice");
  await alice.expectMessage({ from: "bot", body: "color?" });
  await bob.say("#general", "red");
  await alice.say("#general", "blue");
  await alice.expectMessage({ from: "bot", body: "Alice likes blue" });
  await alice.expectNoMessage({ from: "bot" });
  expect(h.errors).toEqual([]);
});

test("three minutes on the harness clock: the handler sees undefined", async () => {
  await using h = await createHarness({
    bots: [{ id: "bot", topics: ["#general"], plugins: [signup] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!signup");
  await alice.expectMessage({ from: "bot", body: "name?" });
  await h.clock.advance(3 * 60_000);
  await alice.expectMessage({ from: "bot", body: "too slow" });
  // The question is closed: a late answer is an ordinary message.
  await alice.say("#general", "Alice");
  await alice.expectNoMessage({ from: "bot" });
});

test("a question open when the bot restarts ends; the bot comes back", async () => {
  const asked = definePlugin({
    name: "asked",
    setup(bot) {
      bot.command("wait", async (ctx) => {
        try {
          await ctx.ask("waiting", { within: "1h" });
        } catch {
          await ctx.reply("the bot is restarting, ask me again");
        }
      });
    },
  });
  await using h = await createHarness({
    bots: [{ id: "bot", topics: ["#general"], plugins: [asked] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!wait");
  await alice.expectMessage({ from: "bot", body: "waiting" });
  await h.restartBot("bot");
  await alice.expectMessage({ from: "bot", body: "the bot is restarting, ask me again" });
  await alice.say("#general", "!wait");
  await alice.expectMessage({ from: "bot", body: "waiting" });
});
