import { describe, expect, test } from "bun:test";
import { CommandRegistry } from "../../src/bot/commands.ts";
import { type ChainContext, Composer } from "../../src/bot/composer.ts";
import { Cooldowns } from "../../src/bot/cooldown.ts";

interface TestContext extends ChainContext {
  replies: string[];
}

function context(body: string, extra: Partial<ChainContext> = {}): TestContext {
  const replies: string[] = [];
  return {
    kind: "message",
    topic: "#general@test.local",
    from: "alice@test.local",
    body,
    replayed: false,
    replies,
    reply: async (text: string) => {
      replies.push(text);
    },
    ...extra,
  };
}

function chain(options: { now?: () => number; admins?: string[] } = {}) {
  return new Composer<TestContext>({
    prefix: "!",
    commands: new CommandRegistry(),
    cooldowns: new Cooldowns(options.now),
    isAdmin: (id) => options.admins?.includes(id) ?? false,
  });
}

describe("Composer", () => {
  test("runs middleware in order, each calling next", async () => {
    const bot = chain();
    const seen: string[] = [];
    bot.use(async (_ctx, next) => {
      seen.push("a");
      await next();
      seen.push("a-after");
    });
    bot.use((_ctx, next) => {
      seen.push("b");
      return next();
    });
    await bot.run(context("hi"));
    expect(seen).toEqual(["a", "b", "a-after"]);
  });

  test("a middleware that does not call next stops the chain", async () => {
    const bot = chain();
    const seen: string[] = [];
    bot.use(() => {
      seen.push("stop");
    });
    bot.use(() => {
      seen.push("never");
    });
    await bot.run(context("hi"));
    expect(seen).toEqual(["stop"]);
  });

  test("calling next twice is an error", async () => {
    const bot = chain();
    bot.use(async (_ctx, next) => {
      await next();
      await next();
    });
    await expect(bot.run(context("hi"))).rejects.toThrow("next() called more than once");
  });

  test("on(kind) selects events by kind and its sub-chain runs only then", async () => {
    const bot = chain();
    const seen: string[] = [];
    bot.on("join").use((ctx) => {
      seen.push(`join:${ctx.from}`);
    });
    bot.on("message", (ctx) => {
      seen.push(`message:${ctx.body}`);
    });
    await bot.run(context("x", { kind: "join", body: undefined }));
    await bot.run(context("hello"));
    expect(seen).toEqual(["join:alice@test.local", "message:hello"]);
  });

  test("hears puts captures in ctx.match and skips replayed events by default", async () => {
    const bot = chain();
    bot.hears(/^hello (\w+)/i, (ctx) => ctx.reply(`hi ${ctx.match![1]}`));
    const live = context("Hello world");
    await bot.run(live);
    expect(live.replies).toEqual(["hi world"]);
    const replayed = context("hello again", { replayed: true });
    await bot.run(replayed);
    expect(replayed.replies).toEqual([]);
  });

  test("hears with a text matches whole words, case-insensitively", async () => {
    const bot = chain();
    bot.hears("coffee", (ctx) => ctx.reply("☕"));
    const yes = context("who wants COFFEE?");
    const no = context("coffeescript is old");
    await bot.run(yes);
    await bot.run(no);
    expect(yes.replies).toEqual(["☕"]);
    expect(no.replies).toEqual([]);
  });

  test("hears can opt in to replayed events", async () => {
    const bot = chain();
    bot.hears(/x/, { replayed: true }, (ctx) => ctx.reply("seen"));
    const ctx = context("x", { replayed: true });
    await bot.run(ctx);
    expect(ctx.replies).toEqual(["seen"]);
  });

  test("unmatched events pass on to later middleware", async () => {
    const bot = chain();
    const seen: string[] = [];
    bot.hears(/nope/, () => {
      seen.push("hears");
    });
    bot.use(() => {
      seen.push("fallback");
    });
    await bot.run(context("something else"));
    expect(seen).toEqual(["fallback"]);
  });
});

describe("commands", () => {
  test("parses typed positional arguments and flags", async () => {
    const bot = chain();
    bot.command(
      "roll",
      { args: "<sides:int> [times:int] [label...]", flags: { loud: { short: "l" } } },
      (ctx) => ctx.reply(JSON.stringify(ctx.command!.args)),
    );
    const ctx = context('!roll 6 2 "big one" here -l');
    await bot.run(ctx);
    expect(JSON.parse(ctx.replies[0]!)).toEqual({
      sides: 6,
      times: 2,
      label: "big one here",
      loud: true,
    });
  });

  test("a usage error is answered with the usage line, the handler does not run", async () => {
    const bot = chain();
    let ran = false;
    bot.command("roll", { args: "<sides:int>" }, () => {
      ran = true;
    });
    const ctx = context("!roll many");
    await bot.run(ctx);
    expect(ran).toBe(false);
    expect(ctx.replies).toEqual([
      'sides must be a whole number, got "many" — usage: !roll <sides>',
    ]);
  });

  test("aliases and case-insensitive names reach the same command", async () => {
    const bot = chain();
    bot.command("ping", { aliases: ["p"] }, (ctx) => ctx.reply("pong"));
    const a = context("!PING");
    const b = context("!p");
    await bot.run(a);
    await bot.run(b);
    expect([...a.replies, ...b.replies]).toEqual(["pong", "pong"]);
  });

  test("permissions: allow lists and admins", async () => {
    const bot = chain({ admins: ["root@test.local"] });
    bot.command("kick", { permission: { allow: ["mod@test.local"], admins: true } }, (ctx) =>
      ctx.reply("kicked"),
    );
    bot.command("stop", { permission: "admin" }, (ctx) => ctx.reply("stopping"));
    const mod = context("!kick", { from: "mod@test.local" });
    const root = context("!kick", { from: "root@test.local" });
    const alice = context("!kick");
    const aliceStop = context("!stop");
    for (const ctx of [mod, root, alice, aliceStop]) await bot.run(ctx);
    expect(mod.replies).toEqual(["kicked"]);
    expect(root.replies).toEqual(["kicked"]);
    expect(alice.replies).toEqual(["!kick: not allowed for alice@test.local"]);
    expect(aliceStop.replies).toEqual(["!stop: not allowed for alice@test.local"]);
  });

  test("cooldowns per user, per topic and global follow the injected clock", async () => {
    let now = 0;
    const bot = chain({ now: () => now });
    const silent = { seconds: 10, notify: false };
    bot.command("u", { cooldown: { ...silent, per: "user" } }, (ctx) => ctx.reply("u"));
    bot.command("t", { cooldown: { ...silent, per: "topic" } }, (ctx) => ctx.reply("t"));
    bot.command("g", { cooldown: { ...silent, per: "global" } }, (ctx) => ctx.reply("g"));
    const run = async (body: string, from: string, topic = "#a@test.local") => {
      const ctx = context(body, { from, topic });
      await bot.run(ctx);
      return ctx.replies.length;
    };
    expect(await run("!u", "a@x")).toBe(1);
    expect(await run("!u", "a@x")).toBe(0);
    expect(await run("!u", "b@x")).toBe(1);
    expect(await run("!t", "a@x")).toBe(1);
    expect(await run("!t", "b@x")).toBe(0);
    expect(await run("!t", "b@x", "#other@test.local")).toBe(1);
    expect(await run("!g", "a@x")).toBe(1);
    expect(await run("!g", "b@x", "#other@test.local")).toBe(0);
    now = 10_000;
    expect(await run("!u", "a@x")).toBe(1);
    expect(await run("!g", "b@x")).toBe(1);
  });

  test("a command run too soon answers once with the wait, then stays silent", async () => {
    let now = 0;
    const bot = chain({ now: () => now });
    bot.command("coffee", { cooldown: { seconds: 150 } }, (ctx) => ctx.reply("coffee"));
    const replies = async (from: string) => {
      const ctx = context("!coffee", { from });
      await bot.run(ctx);
      return ctx.replies;
    };
    expect(await replies("a@x")).toEqual(["coffee"]);
    now = 100_000;
    expect(await replies("a@x")).toEqual(["!coffee: try again in 50 s"]);
    expect(await replies("a@x")).toEqual([]);
    expect(await replies("b@x")).toEqual(["coffee"]);
    now = 101_000;
    expect(await replies("b@x")).toEqual(["!coffee: try again in 3 min"]);
    now = 150_000;
    expect(await replies("a@x")).toEqual(["coffee"]);
    now = 150_001;
    // A new wait: answered once again.
    expect(await replies("a@x")).toEqual(["!coffee: try again in 3 min"]);
  });

  test("registering a name twice is refused", () => {
    const bot = chain();
    bot.command("ping", {}, () => {});
    expect(() => bot.command("PING", {}, () => {})).toThrow("registered twice");
  });

  test("the registry suggests near misses", () => {
    const registry = new CommandRegistry();
    registry.register("ping", {});
    registry.register("help", { aliases: ["h"] });
    registry.register("roll", {});
    expect(registry.suggest("pnig")).toEqual(["ping"]);
    expect(registry.suggest("hlep")).toEqual(["help"]);
    expect(registry.suggest("zzzzzz")).toEqual([]);
  });
});
