import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import karma from "../../bots/karma.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { loadConfiguredPlugin } from "../../src/config/plugins.ts";
import responders, { respondersOptions } from "../../src/plugins/responders.ts";
import scheduler, { schedulerOptions } from "../../src/plugins/scheduler.ts";
import { checkTemplate, parsePattern, render } from "../../src/plugins/template.ts";
import { botsStoppedAfterEach } from "../bot/plugin-helpers.ts";
import { waitFor } from "../bot/wait.ts";

const root = join(import.meta.dir, "../..");
const start = botsStoppedAfterEach();

/** A configuration's bot plugins, loaded as `scalar run` loads them. */
async function pluginsOf(file: string, bot: number) {
  const config = loadConfig(join(root, file), {}).config;
  return Promise.all(
    config.bots[bot]!.plugins.map(async (entry, i) => {
      const loaded = await loadConfiguredPlugin(entry, `bots[${bot}].plugins[${i}]`);
      return [loaded.plugin, loaded.options] as [typeof loaded.plugin, unknown];
    }),
  );
}

describe("templates", () => {
  test("placeholders, captures and braces", () => {
    const match = "who is bob?".match(/^who is (?<name>\w+)\??$/)!;
    expect(
      render("{from.local} ({from}) in {topic.name}: {1}/{name} {{x}} {body}", {
        from: "alice@localhost",
        topic: "#general@localhost",
        body: "who is bob?",
        match,
      }),
    ).toBe("alice (alice@localhost) in #general: bob/bob {x} who is bob?");
    expect(parsePattern("/^hi (\\w+)/i")).toEqual(/^hi (\w+)/i);
    expect(parsePattern("coffee")).toBe("coffee");
    expect(checkTemplate("{2}", /(a)/, false)).toContain("unknown placeholder {2}");
    expect(checkTemplate("{args}", "x", false)).toContain("unknown placeholder {args}");
    expect(checkTemplate("{args} {name}", /(?<name>x)/, true)).toBeUndefined();
  });
});

describe("responders", () => {
  test("rules answer in order with templates; cooldowns use the plugin clock; topics limit", async () => {
    const options = respondersOptions.parse({
      rules: [
        { hears: "/^hi (\\w+)/i", reply: "Hello {from.local}, {1}!", cooldown: 60 },
        { hears: "coffee", reply: "☕ {from.local}", cooldown: { seconds: 10, per: "user" } },
        { hears: "/dev only/", reply: "dev!", topics: ["#dev"] },
        { command: "shout", help: "says it loud", reply: "{args}!" },
      ],
    });
    const live = await start([[responders, options]], { topics: ["#general", "#dev"] });
    expect(await live.say("hi there")).toEqual(["Hello alice, there!"]);
    expect(await live.say("hi again", "bob")).toEqual([]);
    expect(await live.say("hi again", "bob", "#dev")).toEqual(["Hello bob, again!"]);
    live.clock.advance(60_000);
    expect(await live.say("HI you", "bob")).toEqual(["Hello bob, you!"]);
    expect(await live.say("more coffee?")).toEqual(["☕ alice"]);
    expect(await live.say("coffee")).toEqual([]);
    expect(await live.say("coffee", "bob")).toEqual(["☕ bob"]);
    expect(await live.say("coffeescript")).toEqual([]);
    expect(await live.say("dev only")).toEqual([]);
    expect(await live.say("dev only", "alice", "#dev")).toEqual(["dev!"]);
    expect(await live.say("!shout hey you")).toEqual(["hey you!"]);
    expect(await live.say("!help shout")).toEqual(["!shout [text...] — says it loud"]);
  });

  test("bad rules are refused with the key and the reason", () => {
    const problems = (rules: unknown) => {
      const r = respondersOptions.safeParse({ rules });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(problems([{ hears: "/(x/", reply: "y" }])[0]).toMatch(
      /^rules\.0\.hears: bad regular expression/,
    );
    expect(problems([{ hears: "/(a)/", reply: "{2}" }])[0]).toMatch(
      /^rules\.0\.reply: unknown placeholder \{2\}/,
    );
    expect(problems([{ reply: "y" }])).toEqual([
      "rules.0: expected exactly one of hears or command",
    ]);
    expect(problems([])).toEqual(["rules: expected at least one rule"]);
  });
});

describe("scheduler", () => {
  test("announcements go out on their cron expression or duration", async () => {
    const options = schedulerOptions.parse({
      announcements: [
        { every: "0 9 * * 1-5", timezone: "UTC", topic: "#general", text: "stand-up!" },
        { every: "12h", topic: "#dev", text: "stretch" },
      ],
    });
    // Saturday 2026-11-28 00:00 UTC: the next weekday 09:00 is Monday.
    const clock = new ManualClock(Date.UTC(2026, 10, 28));
    const live = await start([[scheduler, options]], { pluginClock: clock });
    clock.advance(3 * 86_400_000);
    await waitFor(() => live.sent().length === 7);
    // Runs of one schedule are sequential; the two schedules run side by side.
    const to = (topic: string) => live.sent().filter((m) => m.to === topic);
    expect(to("#dev")).toEqual(Array.from({ length: 6 }, () => ({ to: "#dev", body: "stretch" })));
    expect(to("#general")).toEqual([{ to: "#general", body: "stand-up!" }]);
  });

  test("a bad schedule is refused when the configuration loads", () => {
    const r = schedulerOptions.safeParse({
      announcements: [{ every: "whenever", topic: "#general", text: "x" }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(["announcements", 0, "every"]);
  });
});

describe("bots/karma.ts", () => {
  test("votes, no self-votes, cooldown per voter, !karma, !top, admin reset, summary", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 16, 0));
    const live = await start(
      [[karma, { summary: { every: "0 17 * * 5", topic: "#general", timezone: "UTC" } }]],
      { pluginClock: clock, admins: ["admin"] },
    );
    expect(await live.say("alice++")).toEqual(["no voting for yourself"]);
    clock.advance(30_000);
    expect(await live.say("bob++")).toEqual(["bob now has 1 karma"]);
    expect(await live.say("carol++")).toEqual([]);
    expect(await live.say("Bob++", "dave")).toEqual(["bob now has 2 karma"]);
    clock.advance(30_000);
    expect(await live.say("carol--")).toEqual(["carol now has -1 karma"]);
    expect(await live.say("!karma bob")).toEqual(["bob has 2 karma"]);
    expect(await live.say("!karma", "carol")).toEqual(["carol has -1 karma"]);
    expect(await live.say("!leaderboard 2")).toEqual(["1. bob (2), 2. carol (-1)"]);
    expect(await live.say("!karma-reset bob")).toEqual([
      "!karma-reset: not allowed for alice@localhost",
    ]);
    expect(await live.say("!karma-reset bob", "admin")).toEqual(["bob starts again from 0"]);
    clock.advance(3_600_000);
    await waitFor(() => live.sent().at(-1)?.body.startsWith("Karma leaderboard") === true);
    expect(live.sent().at(-1)).toEqual({
      to: "#general",
      body: "Karma leaderboard: 1. carol (-1)",
    });
  });
});

describe("example configurations", () => {
  test("bots/responder.yaml: a YAML-only bot with answers, commands and a stand-up reminder", async () => {
    const plugins = await pluginsOf("bots/responder.yaml", 0);
    // Monday 2026-11-30 08:00 UTC; the reminder's cron is in local time.
    const clock = new ManualClock(Date.UTC(2026, 10, 30, 8, 0));
    const live = await start(plugins, { pluginClock: clock });
    expect(await live.say("hey everyone")).toEqual(["Hello alice!"]);
    expect(await live.say("who is bob?")).toEqual([
      "bob? Ask them: they are probably in #general.",
    ]);
    expect(await live.say("!rules")).toEqual(["1. Be kind. 2. Stay on topic. 3. No spam."]);
    expect(await live.say("!say it works")).toEqual(["alice says: it works"]);
    expect(await live.say("!rule")).toEqual(["unknown command !rule — did you mean !rules?"]);
    clock.advance(2 * 86_400_000);
    await waitFor(() => live.sent().filter((m) => m.body.startsWith("Stand-up")).length === 2);
  });

  test("config.example.yaml: the greeter bot's plugins work together", async () => {
    const plugins = await pluginsOf("config.example.yaml", 1);
    expect(plugins.length).toBe(6);
    const live = await start(plugins, { admins: ["admin"] });
    expect(await live.say("!hello")).toEqual(["Hello, alice!"]);
    expect(await live.say("!echo ping")).toEqual(["ping"]);
    expect(await live.say("bob++")).toEqual(["bob now has 1 karma"]);
    expect(await live.say("hi")).toEqual(["Hello alice!"]);
    const help = (await live.say("!help"))[0]!;
    for (const name of ["!echo", "!hello", "!karma", "!top", "!rules", "!say", "!signup"]) {
      expect(help).toContain(name);
    }
  });

  test("config.example.yaml gives the greeter the same rules as bots/responder.yaml", () => {
    const example = loadConfig(join(root, "config.example.yaml"), {}).config.bots[1]!.plugins;
    const yaml = loadConfig(join(root, "bots/responder.yaml"), {}).config.bots[0]!.plugins;
    const rules = (list: typeof example) =>
      list.filter((p) => p.use !== "echo" && !p.use.includes("bots/"));
    expect(rules(example)).toEqual(rules(yaml));
  });
});
