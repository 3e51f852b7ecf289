/**
 * `ctx.ask` over the in-memory server: the asker does not hold its topic,
 * answers come only from the sender in the topic, commands win over
 * answers, and every way a question ends is defined.
 */
import { expect, test } from "bun:test";
import type { PluginHost } from "../../src/bot/host.ts";
import { AskCancelledError, type Context, definePlugin, helpPlugin } from "../../src/bot/index.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { botsStoppedAfterEach } from "./plugin-helpers.ts";

const start = botsStoppedAfterEach();

const signup = definePlugin({
  name: "signup",
  setup(bot) {
    bot.command("signup", async (ctx) => {
      const name = await ctx.ask("name?", { within: "2m" });
      if (name === undefined) return ctx.reply("signup: no name, never mind");
      const color = await name.ask(`${name.body}, color?`, { within: "2m" });
      if (color === undefined) return ctx.reply("signup: no color, never mind");
      await color.reply(`${name.body} likes ${color.body}`);
    });
    bot.command("ping", (ctx) => ctx.reply(`pong, ${ctx.from.split("@")[0]}`));
    bot.hears(/\bblue\b/, (ctx) => ctx.reply("blue is nice"));
  },
});

test("two questions: others are not answers, !ping is answered meanwhile", async () => {
  const live = await start([[signup]]);
  expect(await live.say("!signup")).toEqual(["name?"]);
  expect(await live.say("carol", "bob")).toEqual([]);
  expect(await live.say("!ping", "bob")).toEqual(["pong, bob"]);
  expect(await live.say("Alice")).toEqual(["Alice, color?"]);
  // The answer is not also heard by `hears`.
  expect(await live.say("blue")).toEqual(["Alice likes blue"]);
  expect(await live.say("blue")).toEqual(["blue is nice"]);
  expect(live.errors).toEqual([]);
});

test("the time passing on the plugin clock ends the question with undefined", async () => {
  const live = await start([[signup]]);
  expect(await live.say("!signup")).toEqual(["name?"]);
  const before = live.sent().length;
  live.clock.advance(3 * 60_000);
  await live.bot.idle();
  expect(
    live
      .sent()
      .slice(before)
      .map((m) => m.body),
  ).toEqual(["signup: no name, never mind"]);
  expect(await live.say("Alice")).toEqual([]);
});

test("a command of the sender ends the question first; it is handled as a command", async () => {
  const live = await start([[signup]]);
  expect(await live.say("!signup")).toEqual(["name?"]);
  expect(await live.say("!ping")).toEqual(["signup: no name, never mind", "pong, alice"]);
  expect(await live.say("!cancel")).toEqual([]);
});

test("!cancel ends the question and goes no further", async () => {
  const live = await start([[signup], [helpPlugin, {}]]);
  expect(await live.say("!signup")).toEqual(["name?"]);
  expect(await live.say("!cancel")).toEqual(["signup: no name, never mind"]);
});

test("a bot that stops ends the question with AskCancelledError, which the handler may catch", async () => {
  const seen: unknown[] = [];
  const live = await start([
    [
      definePlugin({
        name: "asker",
        setup(bot) {
          bot.command("wait", async (ctx) => {
            try {
              await ctx.ask("say something");
            } catch (error) {
              seen.push(error);
              await ctx.reply("bye");
            }
          });
          bot.command("quiet", async (ctx) => {
            await ctx.ask("and?");
            seen.push("not reached");
          });
        },
      }),
    ],
  ]);
  expect(await live.say("!wait")).toEqual(["say something"]);
  expect(await live.say("!quiet", "bob")).toEqual(["and?"]);
  await live.stop();
  expect(seen).toHaveLength(1);
  expect(seen[0]).toBeInstanceOf(AskCancelledError);
  expect((seen[0] as AskCancelledError).reason).toBe("stopped");
  expect(live.sent().at(-1)?.body).toBe("bye");
  // The uncaught one ended quietly.
  expect(live.errors).toEqual([]);
});

test("match: other messages of the sender are handled as usual and the question stays", async () => {
  const answers: string[] = [];
  const live = await start([
    [
      definePlugin({
        name: "age",
        setup(bot) {
          bot.command("age", async (ctx) => {
            const age = await ctx.ask("how old?", { match: /^(\d+)$/ });
            answers.push(age?.match?.[1] ?? "none");
            await ctx.reply(`ok ${age?.body}`);
          });
          bot.hears("hello", (ctx) => ctx.reply("hi"));
        },
      }),
    ],
  ]);
  expect(await live.say("!age")).toEqual(["how old?"]);
  expect(await live.say("hello")).toEqual(["hi"]);
  expect(await live.say("42")).toEqual(["ok 42"]);
  expect(answers).toEqual(["42"]);
});

test("from and topic: ask another user, and in a direct message", async () => {
  const live = await start([
    [
      definePlugin({
        name: "vote",
        setup(bot) {
          bot.command("approve", async (ctx) => {
            const ok = await ctx.ask("bob, approve?", { from: "bob", match: /^(yes|no)$/ });
            await ctx.reply(`bob said ${ok?.body ?? "nothing"}`);
          });
          bot.command("secret", async (ctx) => {
            const secret = await ctx.ask("tell me in private", { topic: ctx.from });
            await ctx.reply(`got ${secret?.body.length} characters`);
          });
        },
      }),
    ],
  ]);
  expect(await live.say("!approve")).toEqual(["bob, approve?"]);
  expect(await live.say("yes")).toEqual([]);
  expect(await live.say("yes", "bob")).toEqual(["bob said yes"]);
  expect(await live.say("!secret")).toEqual(["tell me in private"]);
  expect(live.sent().at(-1)?.to).toBe("alice@localhost");
  expect(await live.say("hunter2", "alice", "bot@localhost")).toEqual(["got 7 characters"]);
});

test("the asker does not hold its topic: later events are handled while it waits", async () => {
  let asked: Context | undefined;
  const cursors = new MemoryCursorStore();
  const live = await start(
    [
      [
        definePlugin({
          name: "slow",
          setup(bot) {
            bot.command("ask", async (ctx) => {
              asked = ctx;
              await ctx.ask("?", { within: 10_000 });
            });
            bot.on("message", (ctx) => {
              if (ctx.body === "tick") return ctx.reply("tock");
            });
          },
        }),
      ],
    ],
    { cursors },
  );
  await live.say("!ask");
  expect(asked).toBeDefined();
  expect(await live.say("tick", "bob")).toEqual(["tock"]);
  // The cursor moved past the question's event and the next ones while it waits.
  await live.bot.idle();
  expect(cursors.get("#general@localhost")).toBeGreaterThan(asked!.seq + 1);
});

test("a second question from the same handler while one is open is refused", async () => {
  const errors: unknown[] = [];
  const live = await start([
    [
      definePlugin({
        name: "twice",
        setup(bot) {
          bot.command("twice", async (ctx) => {
            const first = ctx.ask("one?");
            await ctx.ask("two?").catch((error) => errors.push(error));
            await first;
          });
        },
      }),
    ],
  ]);
  await live.say("!twice");
  expect(errors).toHaveLength(1);
  expect((errors[0] as { code: string }).code).toBe("ask_open");
});

test("a plugin released while it asks: its question ends with AskCancelledError (released)", async () => {
  const seen: unknown[] = [];
  const live = await start([]);
  const view = await live.bot.install(
    definePlugin({
      name: "asker",
      setup(bot) {
        bot.command("wait", async (ctx) => {
          await ctx.ask("waiting").catch((error) => seen.push(error));
        });
      },
    }),
  );
  expect(await live.say("!wait")).toEqual(["waiting"]);
  (view as PluginHost).release();
  await live.bot.idle();
  expect((seen[0] as AskCancelledError).reason).toBe("released");
  // Released: the next message is nobody's answer.
  expect(await live.say("hello")).toEqual([]);
});
