/**
 * A plugin change waits for the handlers already running, but no longer
 * than a stop would (`stopTimeout`): a hung handler fails the change with
 * its name instead of holding every topic of the bot paused.
 */
import { afterEach, expect, test } from "bun:test";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { FakeServer } from "../client/fake-server.ts";
import { record } from "./helpers.ts";

const bots: Bot[] = [];
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop();
});

test("a handler that never finishes fails the change, named; held events go on at once", async () => {
  const server = new FakeServer();
  const bot = new Bot({
    id: "bot@localhost",
    topics: ["#general", "#random"],
    dialer: server.dialer,
    address: server.network.address,
    cursors: new MemoryCursorStore(),
    reconnect: { initial: 1, max: 5, jitter: 0 },
    stopTimeout: 30,
  });
  bots.push(bot);
  let release!: () => void;
  const hung = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  bot.forPlugin("stuck").on("message", async (ctx) => {
    if (ctx.body !== "hang") return;
    entered();
    await hung;
  });
  const seen: string[] = [];
  bot.forPlugin("other").on("message", (ctx) => {
    seen.push(`${ctx.topic} ${ctx.body}`);
  });
  const rec = record(bot);
  bot.start();
  await rec.until(() => rec.seqs("#general@localhost").includes(1));
  server.publish("#general", "alice", "hang");
  await inside;

  let changed = false;
  const change = bot.changePlugins(async () => {
    changed = true;
  });
  // While the change waits, an event of another topic is held back…
  server.publish("#random", "alice", "meanwhile");
  await expect(change).rejects.toThrow(
    "bot@localhost: plugins not changed: still waiting after 30 ms for plugin stuck handling message at #general@localhost seq 2",
  );
  expect(changed).toBe(false);
  // …and handed on as soon as the change gave up.
  await rec.until(() => seen.includes("#random@localhost meanwhile"));
  release();
  await bot.idle();
});
