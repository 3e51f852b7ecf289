/**
 * Sessions: one value per user, topic or user and topic on `ctx.session`,
 * handlers of one key one after another across topics (no lost update),
 * saved with the cursors, and let go while a handler waits for an answer.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePlugin, type SessionScope } from "../../src/bot/index.ts";
import { SqliteCursorStore } from "../../src/client/cursor-store.ts";
import { FakeServer } from "../client/fake-server.ts";
import { botsStoppedAfterEach, liveBot } from "./plugin-helpers.ts";

const start = botsStoppedAfterEach();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `!count` reads, waits for its reply, then writes: a race without the session's lock. */
const counter = (per: SessionScope) =>
  definePlugin({
    name: "counter",
    setup(bot) {
      bot.session({ per, initial: () => ({ count: 0 }) }).command("count", async (ctx) => {
        const seen = ctx.session.count;
        await ctx.reply(`was ${seen}`);
        ctx.session.count = seen + 1;
      });
    },
  });

test("per user across topics, many users at once: every count kept", async () => {
  const live = await start([[counter("user")]], { topics: ["#a", "#b"] });
  const users = ["alice", "bob", "carol"];
  await Promise.all(
    Array.from({ length: 30 }, (_, i) => live.say("!count", users[i % 3], i % 2 ? "#a" : "#b")),
  );
  for (const user of users) {
    const replies = await live.say("!count", user, "#a");
    expect(replies).toEqual(["was 10"]);
  }
  expect(live.errors).toEqual([]);
});

test("per topic and per user+topic keep their own values", async () => {
  const byTopic = await start([[counter("topic")]], { topics: ["#a", "#b"] });
  await byTopic.say("!count", "alice", "#a");
  await byTopic.say("!count", "bob", "#a");
  expect(await byTopic.say("!count", "carol", "#a")).toEqual(["was 2"]);
  expect(await byTopic.say("!count", "carol", "#b")).toEqual(["was 0"]);

  const both = await start([[counter("user+topic")]], { topics: ["#a", "#b"] });
  await both.say("!count", "alice", "#a");
  expect(await both.say("!count", "alice", "#a")).toEqual(["was 1"]);
  expect(await both.say("!count", "alice", "#b")).toEqual(["was 0"]);
  expect(await both.say("!count", "bob", "#a")).toEqual(["was 0"]);
});

test("sessions are saved in the state database and read after a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalarbot-session-"));
  dirs.push(dir);
  const server = new FakeServer();
  const first = await liveBot([[counter("user")]], {
    server,
    cursors: new SqliteCursorStore(dir),
  });
  await first.say("!count");
  await first.say("!count");
  await first.stop();
  const second = await liveBot([[counter("user")]], {
    server,
    cursors: new SqliteCursorStore(dir),
  });
  try {
    expect(await second.say("!count")).toEqual(["was 2"]);
  } finally {
    await second.stop();
  }
});

test("a handler waiting for an answer lets others at its session, and reads it again", async () => {
  const live = await start(
    [
      [
        definePlugin({
          name: "notes",
          setup(bot) {
            const notes = bot.session({ per: "user", initial: () => ({ notes: [] as string[] }) });
            notes.command("note", { args: "<text...>" }, (ctx) => {
              ctx.session.notes.push(ctx.command.args.text);
              return ctx.reply(`${ctx.session.notes.length} notes`);
            });
            notes.command("confirm", async (ctx) => {
              const answer = await ctx.ask("clear your notes?", { match: /^(yes|no)$/ });
              if (answer?.body !== "yes") return ctx.reply(`kept ${ctx.session.notes.length}`);
              ctx.session.notes = [];
              return ctx.reply("cleared");
            });
          },
        }),
      ],
    ],
    { topics: ["#a", "#b"] },
  );
  expect(await live.say("!note one", "alice", "#a")).toEqual(["1 notes"]);
  expect(await live.say("!confirm", "alice", "#a")).toEqual(["clear your notes?"]);
  // Meanwhile, in another topic, the same user's session is free to change.
  expect(await live.say("!note two", "alice", "#b")).toEqual(["2 notes"]);
  expect(await live.say("no", "alice", "#a")).toEqual(["kept 2"]);
  expect(await live.say("!note three", "alice", "#b")).toEqual(["3 notes"]);
});
