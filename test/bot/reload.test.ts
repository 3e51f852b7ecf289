/**
 * Plugins changed on a running bot (`Bot.changePlugins`): the old version
 * is retired and the new one set up in its place while users talk, each
 * event handled once by one of them, the old one's schedules never firing
 * again, its store kept.
 */
import { expect, test } from "bun:test";
import type { BotApi, Plugin } from "../../src/bot/api.ts";
import { createHarness } from "../../src/testing/index.ts";
import { waitFor } from "./wait.ts";

interface Handled {
  version: string;
  seq: number;
}

/**
 * A plugin that records each message it handles and counts them in its
 * store; its setup waits for `ready` when given.
 */
function counter(
  version: string,
  handled: Handled[],
  ticks: string[],
  ready?: { entered(): void; gate: Promise<void> },
): Plugin {
  return {
    name: "counter",
    async setup(bot) {
      ready?.entered();
      await ready?.gate;
      bot.on("message", async (ctx) => {
        // A handler still busy when the change comes: the change waits for it.
        await Promise.resolve();
        handled.push({ version, seq: ctx.seq });
        bot.store.update<number>("count", (n = 0) => n + 1);
      });
      bot.command("version", (ctx) => ctx.reply(`${version}: ${bot.store.get("count")}`));
      bot.every("1m", () => {
        ticks.push(version);
      });
    },
  };
}

function spec(plugin: Plugin) {
  return { name: plugin.name!, setup: (view: BotApi) => plugin.setup(view, undefined) };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test("a plugin replaced while messages flow: each handled once, old timers gone, store kept", async () => {
  const handled: Handled[] = [];
  const ticks: string[] = [];
  const entered = deferred();
  const gate = deferred();
  const v1 = counter("v1", handled, ticks);
  const v2 = counter("v2", handled, ticks, { entered: entered.resolve, gate: gate.promise });
  await using h = await createHarness({
    bots: [{ id: "counter", topics: ["#general"], plugins: [v1] }],
  });
  const bot = h.bot("counter");
  const alice = await h.user("alice");
  await alice.join("#general");
  await h.clock.advance(60_000);
  expect(ticks).toEqual(["v1"]);
  const sent: number[] = [];
  const say = async (i: number) => sent.push((await alice.say("#general", `m${i}`)).seq);
  for (let i = 0; i < 15; i++) await say(i);
  const old = bot.plugin("counter")!;
  const change = bot.changePlugins((edit) => edit.replace(old, spec(v2), spec(v1)));
  // While the new version sets up, more messages reach the bot: they wait for it.
  await entered.promise;
  for (let i = 15; i < 30; i++) await say(i);
  const general = `#general@${h.domain}`;
  await waitFor(() => (bot.connection.cursors().get(general)?.seq ?? 0) >= sent.at(-1)!);
  expect(handled.every((x) => x.version === "v1")).toBe(true);
  gate.resolve();
  for (let i = 30; i < 40; i++) await say(i);
  const replaced = await change;
  expect(replaced.error).toBeUndefined();
  await h.settle();
  expect(handled.map((x) => x.seq).sort((a, b) => a - b)).toEqual(sent);
  // v1 handled what came before the change (most of the first 15), v2 all the rest.
  const byV1 = handled.filter((x) => x.version === "v1").map((x) => x.seq);
  expect(byV1).toEqual(sent.slice(0, byV1.length));
  expect(byV1.length).toBeGreaterThan(0);
  expect(byV1.length).toBeLessThanOrEqual(15);
  // Counted before it is answered: 40 messages and this one.
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v2: 41" });
  await h.clock.advance(60_000);
  await h.clock.advance(60_000);
  expect(ticks).toEqual(["v1", "v2", "v2"]);
});

test("the replaced plugin keeps its place among the others; its hooks, routes and questions go", async () => {
  const order: string[] = [];
  const hooks: string[] = [];
  const asked: string[] = [];
  const step = (name: string): Plugin => ({
    name,
    setup(bot) {
      bot.on("message", (ctx) => {
        if (!ctx.body.startsWith("!")) order.push(name);
      });
    },
  });
  const middle = (version: string): Plugin => ({
    name: "middle",
    setup(bot) {
      bot.on("message", (ctx) => {
        if (!ctx.body.startsWith("!")) order.push(`middle ${version}`);
      });
      bot.command("quiz", async (ctx) => {
        try {
          const answer = await ctx.ask("your answer?");
          asked.push(answer === undefined ? "no answer" : answer.body);
        } catch (error) {
          asked.push((error as { code?: string }).code ?? String(error));
        }
      });
      bot.http.get(`/${version}`, () => new Response(version));
      bot.onStart(() => hooks.push(`start ${version}`));
      bot.onStop(() => hooks.push(`stop ${version}`));
      bot.onCheckpoint(() => hooks.push(`checkpoint ${version}`));
    },
  });
  await using h = await createHarness({
    bots: [
      { id: "trio", topics: ["#general"], plugins: [step("first"), middle("v1"), step("last")] },
    ],
  });
  const bot = h.bot("trio");
  const alice = await h.user("alice");
  await alice.join("#general");
  expect((await h.request(bot, "GET", "/v1")).status).toBe(200);
  await alice.say("#general", "!quiz");
  await alice.expectMessage({ from: "trio", body: "your answer?" });
  hooks.length = 0;

  const replaced = await bot.changePlugins((edit) =>
    edit.replace(bot.plugin("middle")!, spec(middle("v2")), spec(middle("v1"))),
  );
  expect(replaced.error).toBeUndefined();
  // The open question of the old version ended with it; the new version's start hook ran.
  await h.settle();
  expect(asked).toEqual(["ask_cancelled"]);
  expect(hooks.filter((x) => !x.startsWith("checkpoint"))).toEqual(["stop v1", "start v2"]);
  expect((await h.request(bot, "GET", "/v1")).status).toBe(404);
  expect(await (await h.request(bot, "GET", "/v2")).text()).toBe("v2");

  await alice.say("#general", "hello");
  await h.settle();
  expect(order).toEqual(["first", "middle v2", "last"]);
  // Only the new version's checkpoint hook runs from now on.
  expect(hooks.filter((x) => x.startsWith("checkpoint"))).not.toContain("checkpoint v1");
  expect(hooks).toContain("checkpoint v2");
});

test("a new version whose setup throws: the old one is set up again, its command once", async () => {
  const versions: string[] = [];
  const version = (v: string, fails = false): Plugin => ({
    name: "ver",
    setup(bot) {
      bot.command("ver", (ctx) => ctx.reply(v));
      versions.push(v);
      if (fails) throw new Error("broken");
    },
  });
  await using h = await createHarness({
    bots: [{ id: "verbot", topics: ["#general"], plugins: [version("v1")] }],
  });
  const bot = h.bot("verbot");
  const alice = await h.user("alice");
  await alice.join("#general");
  const replaced = await bot.changePlugins((edit) =>
    edit.replace(bot.plugin("ver")!, spec(version("v2", true)), spec(version("v1"))),
  );
  expect((replaced.error as Error).message).toBe("broken");
  expect(versions).toEqual(["v1", "v2", "v1"]);
  expect(bot.commands.list().map((c) => c.name)).toEqual(["help", "ver"]);
  await alice.say("#general", "!ver");
  await alice.expectMessage({ from: "verbot", body: "v1" });
  await alice.expectNoMessage({ from: "verbot", body: "v2" });
  await bot.stop();
  await expect(bot.changePlugins(async () => {})).rejects.toThrow(
    "cannot change plugins, the bot is stopping",
  );
});

test("a conversation in progress and a reminder go on with the new version", async () => {
  const form = (version: string): Plugin => ({
    name: "form",
    setup(bot) {
      bot.conversation("order", {
        steps: [
          { key: "size", ask: "Size?" },
          { key: "topping", ask: `Topping? (${version})` },
        ],
        done: (ctx, a) => ctx.reply(`${version}: a ${a.size} pizza with ${a.topping}`),
      });
      bot.command("remind", (ctx) => {
        bot.at("10m", "ping", { topic: ctx.topic });
      });
      bot.on("reminder", (ctx) =>
        bot.send((ctx.payload as { topic: string }).topic, `${version}: ${ctx.key}`),
      );
    },
  });
  await using h = await createHarness({
    bots: [{ id: "pizza", topics: ["#general"], plugins: [form("v1")] }],
  });
  const bot = h.bot("pizza");
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!order");
  await alice.expectMessage({ from: "pizza", body: "Size?" });
  await alice.say("#general", "large");
  await alice.expectMessage({ from: "pizza", body: "Topping? (v1)" });
  await alice.say("#general", "!remind");
  await h.settle();

  await bot.changePlugins((edit) =>
    edit.replace(bot.plugin("form")!, spec(form("v2")), spec(form("v1"))),
  );
  await alice.say("#general", "olives");
  await alice.expectMessage({ from: "pizza", body: "v2: a large pizza with olives" });
  await h.clock.advance(10 * 60_000);
  await alice.expectMessage({ from: "pizza", body: "v2: ping" });
  await alice.expectNoMessage({ from: "pizza", body: /^v1: ping/ });
});
