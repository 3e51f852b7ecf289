/**
 * Reminders under the harness: set by a command, fired on `h.clock`, and
 * kept across `h.restartBot` in the bot's state folder — one missed while
 * the bot was down fires once, late.
 */
import { expect, test } from "bun:test";
import { definePlugin } from "../../src/bot/index.ts";
import { createHarness } from "../../src/testing/index.ts";

const remind = definePlugin({
  name: "remind",
  setup(bot) {
    bot.command("remind", { args: "<after> <text...>" }, (ctx) => {
      bot.at(ctx.command.args.after, ctx.command.args.text, { topic: ctx.topic });
      return ctx.reply("ok");
    });
    bot.on("reminder", (r) =>
      r.send((r.payload as { topic: string }).topic, `${r.key}${r.late ? " (late)" : ""}`),
    );
  },
});

test("a reminder set before a restart fires after it; one due while down fires once, late", async () => {
  await using h = await createHarness({
    bots: [{ id: "remind", topics: ["#general"], plugins: [remind] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!remind 10m tea");
  await alice.say("#general", "!remind 1h standup");
  await alice.expectMessage({ from: "remind", body: "ok" });
  await alice.expectMessage({ from: "remind", body: "ok" });
  await h.restartBot("remind");
  await h.clock.advance(10 * 60_000);
  await alice.expectMessage({ from: "remind", body: "tea" });
  await h.restartBot("remind", { whileDown: () => h.clock.advance(60 * 60_000) });
  await h.clock.advance(0);
  await alice.expectMessage({ from: "remind", body: "standup (late)" });
  await h.clock.advance(24 * 3_600_000);
  await alice.expectNoMessage({ from: "remind" });
  expect(alice.messages.filter((m) => m.body.startsWith("standup"))).toHaveLength(1);
});
