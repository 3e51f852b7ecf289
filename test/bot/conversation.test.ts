/**
 * Step conversations over the in-memory server: steps, validation and
 * asking again, `!cancel`, scopes, timeouts, and a form in progress across
 * a restart on the same state database — each answer applied once, also
 * when events are handed on again after a crash.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConversationSpec, definePlugin } from "../../src/bot/index.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { SqliteCursorStore } from "../../src/client/cursor-store.ts";
import { FakeServer } from "../client/fake-server.ts";
import { botsStoppedAfterEach, liveBot } from "./plugin-helpers.ts";

const start = botsStoppedAfterEach();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function signup(overrides: Partial<ConversationSpec> = {}) {
  return definePlugin({
    name: "signup",
    setup(bot) {
      bot.conversation("signup", {
        timeout: "2m",
        steps: [
          { key: "name", ask: "name?" },
          {
            key: "color",
            ask: (a) => `${a.name}, color?`,
            validate: (text) =>
              /^(red|green|blue)$/.test(text) ? undefined : "red, green or blue",
          },
        ],
        done: (ctx, a) => ctx.reply(`${a.name} likes ${a.color}`),
        ...overrides,
      });
      bot.command("ping", (ctx) => ctx.reply("pong"));
    },
  });
}

/** A server whose events are stamped with this machine's time. */
function server(): FakeServer {
  const s = new FakeServer();
  s.time = Math.floor(Date.now() / 1000);
  return s;
}

test("steps, validation asking again, other users and commands meanwhile", async () => {
  const live = await start([[signup()]], { server: server() });
  expect(await live.say("!signup")).toEqual(["name?"]);
  expect(await live.say("Mallory", "bob")).toEqual([]);
  expect(await live.say("!ping")).toEqual(["pong"]);
  expect(await live.say("Alice")).toEqual(["Alice, color?"]);
  expect(await live.say("purple")).toEqual(["red, green or blue", "Alice, color?"]);
  expect(await live.say("blue")).toEqual(["Alice likes blue"]);
  expect(await live.say("blue")).toEqual([]);
  expect(live.errors).toEqual([]);
});

test("!cancel ends it; starting again starts over", async () => {
  const live = await start([[signup()]], { server: server() });
  await live.say("!signup");
  expect(await live.say("!cancel")).toEqual(["!signup cancelled"]);
  expect(await live.say("Alice")).toEqual([]);
  await live.say("!signup");
  await live.say("Alice");
  expect(await live.say("!signup")).toEqual(["name?"]);
  expect(await live.say("Bob")).toEqual(["Bob, color?"]);
});

test("per topic: anyone in the topic answers; per user+topic: each their own", async () => {
  const live = await start([[signup({ per: "topic" })]], { server: server() });
  await live.say("!signup");
  expect(await live.say("Alice")).toEqual(["Alice, color?"]);
  expect(await live.say("red", "bob")).toEqual(["Alice likes red"]);

  const own = await start([[signup()]], { server: server() });
  await own.say("!signup");
  await own.say("!signup", "bob");
  expect(await own.say("Bob", "bob")).toEqual(["Bob, color?"]);
  expect(await own.say("Alice")).toEqual(["Alice, color?"]);
  expect(await own.say("green", "bob")).toEqual(["Bob likes green"]);
});

test("an answer that does not come in time ends it, on the plugin clock", async () => {
  const live = await start([[signup()]], { server: server() });
  await live.say("!signup");
  await live.say("Alice");
  const before = live.sent().length;
  live.clock.advance(119_000);
  expect(live.sent().length).toBe(before);
  live.clock.advance(1_000);
  await live.bot.idle();
  expect(live.sent().slice(before)).toEqual([
    { to: "#general@localhost", body: "!signup timed out" },
  ]);
  expect(await live.say("blue")).toEqual([]);
});

test("a form in progress survives a restart on the same state, and times out after one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalarbot-conv-"));
  dirs.push(dir);
  const fake = server();
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0));
  const first = await liveBot([[signup()]], {
    server: fake,
    cursors: new SqliteCursorStore(dir),
    pluginClock: clock,
  });
  await first.say("!signup");
  expect(await first.say("Alice")).toEqual(["Alice, color?"]);
  await first.stop();
  const second = await liveBot([[signup()]], {
    server: fake,
    cursors: new SqliteCursorStore(dir),
    pluginClock: clock,
  });
  try {
    expect(await second.say("blue")).toEqual(["Alice likes blue"]);
    await second.say("!signup");
  } finally {
    await second.stop();
  }
  // Down for longer than the timeout: it ends as the bot starts again.
  clock.advance(5 * 60_000);
  const third = await liveBot([[signup()]], {
    server: fake,
    cursors: new SqliteCursorStore(dir),
    pluginClock: clock,
  });
  try {
    const before = third.sent().length;
    // Due already: fires at the first turn of the plugin clock.
    clock.advance(0);
    await third.bot.idle();
    expect(third.sent().slice(before)).toEqual([
      { to: "#general@localhost", body: "!signup timed out" },
    ]);
    expect(await third.say("Carol")).toEqual([]);
  } finally {
    await third.stop();
  }
});

test("a crash before the checkpoint: the answer is handed on again and applied once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalarbot-conv-"));
  dirs.push(dir);
  const fake = server();
  let blocked = false;
  // Once blocked, no checkpoint completes: nothing after that is saved, as in a crash.
  const freezer = definePlugin({
    name: "freezer",
    setup(bot) {
      bot.onCheckpoint(() => (blocked ? new Promise(() => {}) : undefined));
    },
  });
  const first = await liveBot([[signup()], [freezer]], {
    server: fake,
    cursors: new SqliteCursorStore(dir),
    stopTimeout: 50,
  });
  expect(await first.say("!signup")).toEqual(["name?"]);
  blocked = true;
  const asked = () => fake.nextRequest((r) => r.type === "message" && r.body === "Alice, color?");
  let question = asked();
  fake.publish("#general", "alice", "Alice");
  await question;
  await first.stop();

  // "Alice" comes again (replayed) and applies to the saved state: the same question again.
  question = asked();
  const sentBefore = first.sent().length;
  const second = await liveBot([[signup()]], { server: fake, cursors: new SqliteCursorStore(dir) });
  try {
    await question;
    await second.bot.idle();
    // Applied once: not taken again as the color ("red, green or blue").
    expect(second.sent().slice(sentBefore)).toEqual([
      { to: "#general@localhost", body: "Alice, color?" },
    ]);
    expect(await second.say("blue")).toEqual(["Alice likes blue"]);
  } finally {
    await second.stop();
  }
  // The third start hands nothing on again: the form ended once.
  const third = await liveBot([[signup()]], { server: fake, cursors: new SqliteCursorStore(dir) });
  try {
    const sent = third.sent().length;
    await third.bot.idle();
    expect(third.sent().length).toBe(sent);
    expect(await third.say("green")).toEqual([]);
  } finally {
    await third.stop();
  }
});
