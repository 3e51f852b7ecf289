/**
 * One-shot reminders: `bot.at` stores at once, fires on the plugin clock,
 * `cancelAt` deletes, and after a restart stored reminders fire — those
 * missed while the bot was down once, late, or dropped as asked.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePlugin, type ReminderContext } from "../../src/bot/index.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { SqliteCursorStore } from "../../src/client/cursor-store.ts";
import { FakeServer } from "../client/fake-server.ts";
import { botsStoppedAfterEach, liveBot } from "./plugin-helpers.ts";

const start = botsStoppedAfterEach();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `!remind <duration> <text...>` and `!forget <key>`; fired ones are recorded. */
function reminder(fired: Pick<ReminderContext, "key" | "payload" | "late">[] = []) {
  return definePlugin({
    name: "remind",
    setup(bot) {
      bot.command("remind", { args: "<after> <text...>" }, (ctx) => {
        const { after, text } = ctx.command.args;
        const key = `${ctx.from}:${text}`;
        const missed = text.startsWith("(drop)") ? "drop" : "fire";
        const due = bot.at(after, key, { topic: ctx.topic, text }, { missed });
        return ctx.reply(`ok, at ${due.toISOString()}`);
      });
      bot.command("forget", { args: "<text...>" }, (ctx) =>
        ctx.reply(bot.cancelAt(`${ctx.from}:${ctx.command.args.text}`) ? "forgotten" : "no such"),
      );
      bot.on("reminder", (r) => {
        fired.push({ key: r.key, payload: r.payload, late: r.late });
        const { topic, text } = r.payload as { topic: string; text: string };
        return r.send(topic, `${r.late ? "(late) " : ""}reminder: ${text}`);
      });
    },
  });
}

test("fires when due on the plugin clock, once; cancelAt deletes; setting again moves it", async () => {
  const live = await start([[reminder()]]);
  expect(await live.say("!remind 10m tea")).toEqual(["ok, at 2026-11-23T08:10:00.000Z"]);
  await live.say("!remind 5m stretch");
  await live.say("!remind 1m nothing");
  expect(await live.say("!forget nothing")).toEqual(["forgotten"]);
  expect(await live.say("!forget nothing")).toEqual(["no such"]);
  // Set again: moved from 5m to 20m.
  await live.say("!remind 20m stretch");
  const before = live.sent().length;
  live.clock.advance(10 * 60_000);
  await live.bot.idle();
  expect(
    live
      .sent()
      .slice(before)
      .map((m) => m.body),
  ).toEqual(["reminder: tea"]);
  live.clock.advance(10 * 60_000);
  await live.bot.idle();
  live.clock.advance(60 * 60_000);
  await live.bot.idle();
  expect(
    live
      .sent()
      .slice(before)
      .map((m) => m.body),
  ).toEqual(["reminder: tea", "reminder: stretch"]);
});

test("stored: after a restart they fire; missed ones once and late, or dropped", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalarbot-remind-"));
  dirs.push(dir);
  const server = new FakeServer();
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0));
  const options = () => ({ server, cursors: new SqliteCursorStore(dir), pluginClock: clock });
  const first = await liveBot([[reminder()]], options());
  await first.say("!remind 5m missed");
  await first.say("!remind 5m (drop) missed too");
  await first.say("!remind 1h later");
  await first.stop();
  clock.advance(30 * 60_000);
  const fired: Pick<ReminderContext, "key" | "payload" | "late">[] = [];
  const second = await liveBot([[reminder(fired)]], options());
  try {
    const before = second.sent().length;
    clock.advance(0);
    await second.bot.idle();
    expect(
      second
        .sent()
        .slice(before)
        .map((m) => m.body),
    ).toEqual(["(late) reminder: missed"]);
    clock.advance(30 * 60_000);
    await second.bot.idle();
    expect(fired.map((f) => [f.key, f.late])).toEqual([
      ["alice@localhost:missed", true],
      ["alice@localhost:later", false],
    ]);
  } finally {
    await second.stop();
  }
  // Fired ones are gone: a third start fires nothing.
  const third = await liveBot([[reminder(fired)]], options());
  try {
    clock.advance(24 * 3_600_000);
    await third.bot.idle();
    expect(fired).toHaveLength(2);
  } finally {
    await third.stop();
  }
});

test("a reminder handler that throws is reported; the reminder counts as fired", async () => {
  let runs = 0;
  const live = await start([
    [
      definePlugin({
        name: "boom",
        setup(bot) {
          bot.command("arm", (ctx) => {
            bot.at("1m", "k", null);
            return ctx.reply("armed");
          });
          bot.on("reminder", () => {
            runs++;
            throw new Error("boom");
          });
        },
      }),
    ],
  ]);
  await live.say("!arm");
  live.clock.advance(5 * 60_000);
  await live.bot.idle();
  expect(runs).toBe(1);
  expect(live.errors.map((e) => e.message)).toEqual([expect.stringContaining("boom")]);
});

test("bad times are refused where bot.at is called", async () => {
  const live = await start([
    [
      definePlugin({
        name: "bad",
        setup(bot) {
          expect(() => bot.at("soon", "k")).toThrow(
            'bot.at: expected a Date, a time in ms or a duration like "10m", got "soon"',
          );
        },
      }),
    ],
  ]);
  expect(live.errors).toEqual([]);
});
