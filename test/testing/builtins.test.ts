/**
 * Built-in plugins driven by the harness: what a person in the channel sees.
 */
import { describe, expect, test } from "bun:test";
import { definePlugin } from "../../src/plugins/api.ts";
import { createHarness } from "../../src/testing/index.ts";

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
    expect(help.body).toContain("!roll <sides:int> — rolls a die");
    await alice.say("#general", "!rol 6");
    await alice.expectMessage({ from: "dice", body: /did you mean !roll\?/ });
    await alice.say("#general", "!roll six");
    await alice.expectMessage({ from: "dice", body: /usage: !roll <sides:int>/ });
    await alice.say("#general", "!roll 6");
    await alice.expectMessage({ from: "dice", body: "rolled a die of 6" });
    await alice.expectNoMessage();
  });
});
