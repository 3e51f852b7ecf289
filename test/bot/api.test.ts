import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePlugin, type HistoryEvent } from "../../src/bot/api.ts";
import { HandlerError } from "../../src/bot/errors.ts";
import { parseDuration, parseSchedule } from "../../src/bot/schedule.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { SqliteCursorStore } from "../../src/client/cursor-store.ts";
import { botsStoppedAfterEach, liveBot } from "./plugin-helpers.ts";
import { waitFor } from "./wait.ts";

const start = botsStoppedAfterEach();

describe("middleware chain on the bot", () => {
  test("on(kind) listeners never stop the chain; hears stops it unless next() is called", async () => {
    const seen: string[] = [];
    const plugin = definePlugin({
      setup(bot) {
        bot.on("message", (ctx) => {
          seen.push(`on:${ctx.body}`);
        });
        bot.hears(/^stop/, (ctx) => ctx.reply("stopped"));
        bot.hears(/^pass/, async (ctx, next) => {
          await ctx.reply("passing");
          await next();
        });
        bot.use((ctx) => {
          if (ctx.kind === "message" && !ctx.own) seen.push(`tail:${ctx.body}`);
        });
      },
    });
    const live = await start([[plugin]]);
    expect(await live.say("stop now")).toEqual(["stopped"]);
    expect(await live.say("pass on")).toEqual(["passing"]);
    expect(seen).toEqual(["on:stop now", "on:pass on", "tail:pass on"]);
  });

  test("on(filter) with a sub-chain; every plugin's chain sees every event", async () => {
    const a = definePlugin({
      name: "a",
      setup(bot) {
        bot.on((ctx) => ctx.from.startsWith("bob")).hears(/.*/, (ctx) => ctx.reply("a: hi bob"));
      },
    });
    const b = definePlugin({
      name: "b",
      setup(bot) {
        bot.hears(/.*/, (ctx) => ctx.reply(`b: ${ctx.match[0]}`));
      },
    });
    const live = await start([[a], [b]]);
    expect(await live.say("yo", "bob")).toEqual(["a: hi bob", "b: yo"]);
    expect(await live.say("yo", "alice")).toEqual(["b: yo"]);
  });

  test("responding registrations skip replayed events and own messages; on follows its options", async () => {
    const seen: string[] = [];
    const plugin = definePlugin({
      setup(bot) {
        bot.on(
          "message",
          (ctx) => {
            seen.push(`all:${ctx.body}:${ctx.replayed}`);
          },
          { replayed: true, own: true },
        );
        bot.on("message", (ctx) => {
          seen.push(`live:${ctx.body}`);
        });
        bot.hears(/old|new/, (ctx) => ctx.reply(`heard ${ctx.body}`));
      },
    });
    const { FakeServer } = await import("../client/fake-server.ts");
    const server = new FakeServer();
    server.publish("#general", "alice", "old");
    const live = await start([[plugin]], { server, backlog: 5 });
    await waitFor(() => seen.includes("all:old:true"));
    expect(await live.say("new")).toEqual(["heard new"]);
    expect(seen).not.toContain("live:old");
    // The bot's own "heard new" reached only the listener that asked for own messages.
    await live.bot.idle();
    expect(seen).toContain("all:heard new:false");
    expect(seen).not.toContain("live:heard new");
  });

  test("commands: typed arguments, usage errors, permissions and admins", async () => {
    const plugin = definePlugin({
      setup(bot) {
        bot.command(
          "roll",
          { args: "<sides:int> [times:int]", flags: { loud: { short: "l" } }, help: "rolls" },
          (ctx) => {
            const { sides, times, loud } = ctx.command.args;
            const text = `d${sides}x${times ?? 1}`;
            return ctx.reply(loud ? text.toUpperCase() : text);
          },
        );
        bot.command("shutdown", { permission: "admin" }, (ctx) => ctx.reply("bye"));
        bot.command("kick", { args: "<who>", permission: { allow: ["mod"] } }, (ctx) =>
          ctx.reply(`kicked ${ctx.command.args.who}`),
        );
      },
    });
    const live = await start([[plugin]], { admins: ["root"] });
    expect(await live.say("!roll 6 2 -l")).toEqual(["D6X2"]);
    expect(await live.say("!roll x")).toEqual([
      'sides must be a whole number, got "x" — usage: !roll <sides> [times] [--loud]',
    ]);
    expect(await live.say("!shutdown")).toEqual(["!shutdown: not allowed for alice@localhost"]);
    expect(await live.say("!shutdown", "root")).toEqual(["bye"]);
    expect(await live.say("!kick bob", "mod")).toEqual(["kicked bob"]);
    expect(live.bot.isAdmin("root@localhost")).toBe(true);
  });

  test("command cooldowns follow the plugin clock", async () => {
    const plugin = definePlugin({
      setup(bot) {
        bot.command("coin", { cooldown: { seconds: 60, per: "topic" } }, (ctx) =>
          ctx.reply("heads"),
        );
      },
    });
    const live = await start([[plugin]]);
    expect(await live.say("!coin")).toEqual(["heads"]);
    // Too soon: said once how long to wait, then silent until the cooldown is over.
    expect(await live.say("!coin", "bob")).toEqual(["!coin: try again in 60 s"]);
    live.clock.advance(20_000);
    expect(await live.say("!coin", "carol")).toEqual([]);
    live.clock.advance(40_000);
    expect(await live.say("!coin", "bob")).toEqual(["heads"]);
  });

  test("a throwing handler is reported with plugin, registration and event; others go on", async () => {
    const plugin = definePlugin({
      name: "flaky",
      setup(bot) {
        bot.on("message", (ctx) => ctx.reply("still here"));
        bot.hears(/boom/, () => {
          throw new Error("kaput");
        });
      },
    });
    const live = await start([[plugin]]);
    expect(await live.say("boom")).toEqual(["still here"]);
    const error = live.errors[0] as HandlerError;
    expect(error).toBeInstanceOf(HandlerError);
    expect(error.plugin).toBe("flaky");
    expect(error.message).toContain("hears /boom/");
    expect(error.context).toEqual({ topic: "#general@localhost", seq: 2 });
  });
});

describe("help and did-you-mean", () => {
  const plugin = definePlugin({
    setup(bot) {
      bot.command("roll", { args: "<sides:int>", help: "rolls a die", aliases: ["r"] }, (ctx) =>
        ctx.reply(String(ctx.command.args.sides)),
      );
      bot.command("reset", { permission: "admin", help: "forgets everything" }, () => {});
    },
  });

  test("!help lists every command; !help name explains one", async () => {
    const live = await start([[plugin]]);
    expect(await live.say("!help")).toEqual([
      [
        "Commands:",
        "!help [command] — lists the commands, or explains one",
        "!reset — forgets everything (admin)",
        "!roll <sides> — rolls a die",
        "Say !help <command> for details.",
      ].join("\n"),
    ]);
    expect(await live.say("!help roll")).toEqual(["!roll <sides> — rolls a die\naliases: !r"]);
    expect(await live.say("!help !reset")).toEqual(["!reset — forgets everything\nadmins only"]);
    expect(await live.say("!help rol")).toEqual(["unknown command !rol — did you mean !roll?"]);
    expect(await live.say("!help zzz")).toEqual(["no command !zzz; !help lists them"]);
  });

  test("near-miss unknown commands get a suggestion; far ones and plain text get nothing", async () => {
    const live = await start([[plugin]]);
    expect(await live.say("!rol 6")).toEqual(["unknown command !rol — did you mean !roll?"]);
    expect(await live.say("!rset")).toEqual(["unknown command !rset — did you mean !reset?"]);
    expect(await live.say("!xyzzy")).toEqual([]);
    expect(await live.say("!R 4")).toEqual(["4"]);
    expect(await live.say("hello")).toEqual([]);
  });

  test("a bot without commands has no !help", async () => {
    const live = await start([[definePlugin({ setup() {} })]]);
    expect(await live.say("!help")).toEqual([]);
  });
});

describe("every", () => {
  test("durations fire on the plugin clock, each due time once, until stopped", async () => {
    const ticks: string[] = [];
    const plugin = definePlugin({
      setup(bot) {
        bot.every("5m", (tick) => {
          ticks.push(tick.at.toISOString());
        });
      },
    });
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0));
    const live = await start([[plugin]], { pluginClock: clock });
    clock.advance(4 * 60_000);
    expect(ticks).toEqual([]);
    clock.advance(11 * 60_000);
    expect(ticks).toEqual([
      "2026-01-01T12:05:00.000Z",
      "2026-01-01T12:10:00.000Z",
      "2026-01-01T12:15:00.000Z",
    ]);
    expect(clock.pending()).toEqual([5 * 60_000]);
    await live.stop();
    expect(clock.pending()).toEqual([]);
  });

  test("cron expressions use croner's next run; a tick sends through the bot", async () => {
    const plugin = definePlugin({
      setup(bot) {
        bot.every(
          "0 9 * * 1-5",
          (tick) => tick.send("#general", `standup ${tick.at.toISOString()}`),
          {
            timezone: "UTC",
          },
        );
      },
    });
    // Friday 2026-11-27 08:00 UTC.
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 8, 0));
    const live = await start([[plugin]], { pluginClock: clock });
    clock.advance(4 * 86_400_000);
    await live.bot.idle();
    await waitFor(() => live.sent().length === 2);
    expect(live.sent().map((m) => m.body)).toEqual([
      "standup 2026-11-27T09:00:00.000Z",
      "standup 2026-11-30T09:00:00.000Z",
    ]);
  });

  test("a failing run is reported and the schedule goes on; timers are armed only once the bot starts", async () => {
    let runs = 0;
    const plugin = definePlugin({
      name: "ticker",
      setup(bot) {
        bot.every("1h", () => {
          runs++;
          throw new Error("tick failed");
        });
      },
    });
    const clock = new ManualClock();
    const live = await start([[plugin]], { pluginClock: clock });
    clock.advance(2 * 3_600_000);
    await waitFor(() => live.errors.length === 2);
    expect(runs).toBe(2);
    expect(live.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("plugin ticker failed on every 1h: tick failed"),
      expect.stringContaining("tick failed"),
    ]);
  });

  test("schedules are parsed with clear errors", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("0s")).toBeUndefined();
    expect(parseDuration("soon")).toBeUndefined();
    expect(() => parseSchedule("soon")).toThrow('expected a duration like "30s"');
    expect(() => parseSchedule("61 * * * *")).toThrow("bad cron expression");
    expect(parseSchedule("@hourly", "UTC").nextAfter(Date.UTC(2026, 0, 1, 0, 30))).toBe(
      Date.UTC(2026, 0, 1, 1, 0),
    );
  });
});

describe("store, history, dm, lifecycle", () => {
  test("the store survives a restart of the bot (state.sqlite)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scalar-store-"));
    const counter = definePlugin({
      name: "counter",
      setup(bot) {
        bot.command("count", (ctx) => {
          const n = (ctx.store.get<number>("n") ?? 0) + 1;
          ctx.store.set("n", n);
          ctx.store.set("last", { by: ctx.from, at: n });
          return ctx.reply(String(n));
        });
      },
    });
    const first = await liveBot([[counter]], { cursors: new SqliteCursorStore(dir) });
    expect(await first.say("!count")).toEqual(["1"]);
    expect(await first.say("!count")).toEqual(["2"]);
    await first.stop();
    const second = await start([[counter]], {
      server: first.server,
      cursors: new SqliteCursorStore(dir),
    });
    expect(await second.say("!count")).toEqual(["3"]);
    const store = second.bot.forPlugin("counter").store;
    expect(store.keys()).toEqual(["last", "n"]);
    expect(store.get("last")).toEqual({ by: "alice@localhost", at: 3 });
    expect(store.delete("last")).toBe(true);
    expect(store.has("last")).toBe(false);
    // Another plugin's store is apart.
    expect(second.bot.forPlugin("other").store.keys()).toEqual([]);
  });

  test("ctx.history asks the server through the bot's connection; ctx.dm sends to an ID", async () => {
    let past: HistoryEvent[] = [];
    const plugin = definePlugin({
      setup(bot) {
        bot.command("recap", { args: "<n:int>" }, async (ctx) => {
          past = await ctx.history({ last: ctx.command.args.n });
          await ctx.dm(ctx.from.split("@")[0]!, past.map((e) => e.body).join(" / "));
        });
      },
    });
    const live = await start([[plugin]]);
    await live.say("one");
    await live.say("two");
    await live.say("!recap 3");
    expect(past.map((e) => [e.seq, e.from, e.body])).toEqual([
      [2, "alice@localhost", "one"],
      [3, "alice@localhost", "two"],
      [4, "alice@localhost", "!recap 3"],
    ]);
    expect(past[0]!.at).toBeInstanceOf(Date);
    expect(live.sent().at(-1)).toEqual({ to: "alice@localhost", body: "one / two / !recap 3" });
  });

  test("start runs once connected, stop after the last handler; handlers and timers are released", async () => {
    const calls: string[] = [];
    const plugin = definePlugin({
      name: "life",
      setup(bot) {
        calls.push("setup");
        bot.every("1m", () => {
          calls.push("tick");
        });
        bot.on("message", () => {
          calls.push("message");
        });
      },
      start(bot) {
        calls.push(`start ${bot.id}`);
      },
      stop() {
        calls.push("stop");
      },
    });
    const live = await start([[plugin]]);
    await waitFor(() => calls.includes("start bot@localhost"));
    await live.say("hi");
    live.clock.advance(60_000);
    await live.stop();
    expect(calls).toEqual(["setup", "start bot@localhost", "message", "tick", "stop"]);
    expect(live.clock.pending()).toEqual([]);
  });
});
