/**
 * `h.restartServer()`: the harness's memory-history server restarts and
 * numbers from 1 in a new epoch; a bot notices, reads the new numbering
 * from seq 1 and hands each message on once.
 */
import { expect, test } from "bun:test";
import { definePlugin } from "../../src/bot/index.ts";
import { createHarness } from "../../src/testing/index.ts";

test("after a server restart the bot reads the new epoch from seq 1, each message once", async () => {
  const heard: { epoch: string | undefined; seq: number; body: string }[] = [];
  const resets: { previousEpoch: string | undefined; epoch: string | undefined }[] = [];
  const recorder = definePlugin({
    name: "recorder",
    setup(bot) {
      bot.on(
        "message",
        (ctx) => {
          heard.push({ epoch: ctx.epoch, seq: ctx.seq, body: ctx.body });
        },
        { replayed: true },
      );
      bot.on("reset", (ctx) => {
        resets.push({ previousEpoch: ctx.previousEpoch, epoch: ctx.epoch });
      });
    },
  });
  await using h = await createHarness({
    bots: [{ id: "recorder", topics: ["#general"], plugins: [recorder] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "before 1");
  await alice.say("#general", "before 2");
  await h.settle();

  await h.restartServer();
  const bob = await h.user("bob");
  await bob.join("#general");
  await bob.say("#general", "after 1");
  await h.settle();

  const first = heard[0]!.epoch;
  const second = heard.at(-1)!.epoch;
  expect(first).toBeDefined();
  expect(second).not.toBe(first);
  expect(resets).toEqual([{ previousEpoch: first, epoch: second }]);
  expect(heard.map((e) => e.body)).toEqual(["before 1", "before 2", "after 1"]);
  // The new numbering starts again: bob's message is at a seq the old epoch had already used.
  expect(heard[2]!.seq).toBeLessThanOrEqual(heard[1]!.seq);
});
