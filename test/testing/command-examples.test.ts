/**
 * Command examples: declared with the command, shown by `!help name`, and
 * run as tests by `runCommandExamples`, which names each one that fails.
 */
import { expect, test } from "bun:test";
import { definePlugin } from "../../src/bot/index.ts";
import { CommandExampleError, createHarness, runCommandExamples } from "../../src/testing/index.ts";

const dice = (answer: (sides: number) => string) =>
  definePlugin({
    name: "dice",
    setup(bot) {
      bot.command(
        "roll",
        {
          args: "<sides:int>",
          help: "rolls a die",
          cooldown: { seconds: 30 },
          examples: [
            { say: "!roll 6", reply: /^[1-6]$/ },
            { say: "!roll 1", reply: "1" },
          ],
        },
        (ctx) => ctx.reply(answer(ctx.command.args.sides)),
      );
      bot.command(
        "echo",
        { args: "<text...>", examples: [{ say: "!echo hi there", reply: "hi there" }] },
        (ctx) => ctx.reply(ctx.command.args.text),
      );
    },
  });

test("!help name shows the examples; every example gets its answer", async () => {
  await using h = await createHarness({
    bots: [{ id: "dice", topics: ["#general"], plugins: [dice((sides) => String(sides))] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!help roll");
  await alice.expectMessage({
    from: "dice",
    body: [
      "!roll <sides> — rolls a die",
      "at most once every 30 s per user",
      "example: !roll 6",
      "example: !roll 1 → 1",
    ].join("\n"),
  });
  const runs = await runCommandExamples(h);
  // Two examples of a command with a cooldown: the clock moved past it between them.
  expect(runs.map((r) => [r.command, r.example.say, r.answer])).toEqual([
    ["echo", "!echo hi there", "hi there"],
    ["roll", "!roll 6", "6"],
    ["roll", "!roll 1", "1"],
  ]);
});

test("an example whose answer differs fails, named with what came", async () => {
  await using h = await createHarness({
    bots: [{ id: "dice", topics: ["#general"], plugins: [dice(() => "7")] }],
    within: 100,
  });
  const failed = await runCommandExamples(h).catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(CommandExampleError);
  expect((failed as Error).message).toBe(
    [
      "2 of 3 command example(s) failed:",
      '  dice@test.local !roll 6: expected an answer matching /^[1-6]$/, got "7"',
      '  dice@test.local !roll 1: expected "1", got "7"',
    ].join("\n"),
  );
});

test("a malformed example is refused where the command is registered", async () => {
  const bad = definePlugin({
    name: "bad",
    setup(bot) {
      bot.command("x", { examples: [{ say: "", reply: "y" }] }, () => {});
    },
  });
  await expect(
    createHarness({ bots: [{ id: "bad", topics: ["#general"], plugins: [bad] }] }),
  ).rejects.toThrow("command x: examples[0] needs `say`, the line a user says");
});
