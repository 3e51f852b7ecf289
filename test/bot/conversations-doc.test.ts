/**
 * docs/conversations.md cannot rot: each `ts` block is a plugin module and
 * each `yaml` block a configuration (validated; its first bot's plugins
 * run), played against the `text` block after it. In a conversation,
 * `alice: …` (or another name) is said in #general, `bot: …` is what the
 * bot answers to the line before (lines indented by two spaces go on the
 * same message), `(5 minutes pass)` moves the plugin
 * clock, `(the bot restarts)` stops the bot and starts it again on the
 * same state database, and `(the bot is down for 20 minutes)` moves the
 * clock while it is stopped.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Plugin } from "../../src/bot/api.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { SqliteCursorStore } from "../../src/client/cursor-store.ts";
import { parseConfig } from "../../src/config/load.ts";
import { loadConfiguredPlugin } from "../../src/config/plugins.ts";
import { FakeServer } from "../client/fake-server.ts";
import { type LiveBot, liveBot } from "./plugin-helpers.ts";

const root = join(import.meta.dir, "../..");
const doc = readFileSync(join(root, "docs/conversations.md"), "utf8");
const blocks = [...doc.matchAll(/```(ts|text|yaml)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1]!,
  body: m[2]!,
}));
const dir = join(import.meta.dir, ".conversation-examples");
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const UNITS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000 };

/** Plays `conversation` against a bot with `plugins`; fails on the first line that differs. */
async function play(plugins: [Plugin<unknown>, unknown][], conversation: string): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), "scalarbot-doc-"));
  const server = new FakeServer();
  server.time = Math.floor(Date.now() / 1000);
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0));
  const startBot = async () => {
    const live = await liveBot(plugins, {
      server,
      cursors: new SqliteCursorStore(state),
      pluginClock: clock,
    });
    // What came due at the start (missed while down) fires on the first turn of the clock.
    clock.advance(0);
    await live.bot.idle();
    return live;
  };
  let live: LiveBot = await startBot();
  try {
    let said: string | undefined;
    let got: string[] = [];
    let expected: string[] = [];
    const check = () => {
      if (said !== undefined)
        expect({ after: said, answers: got }).toEqual({ after: said, answers: expected });
      expected = [];
    };
    for (const line of conversation.trimEnd().split("\n").filter(Boolean)) {
      const time =
        /^\((?:(\d+) (second|minute|hour)s? pass|the bot is down for (\d+) (second|minute|hour)s?)\)$/.exec(
          line,
        );
      if (time !== null) {
        check();
        const ms = Number(time[1] ?? time[3]) * UNITS[time[2] ?? time[4]!]!;
        if (time[3] !== undefined) {
          await live.stop();
          clock.advance(ms);
          const before = live.sent().length;
          live = await startBot();
          got = live
            .sent()
            .slice(before)
            .map((m) => m.body);
        } else {
          const before = live.sent().length;
          clock.advance(ms);
          await live.bot.idle();
          got = live
            .sent()
            .slice(before)
            .map((m) => m.body);
        }
        said = line;
        continue;
      }
      if (line === "(the bot restarts)") {
        check();
        said = undefined;
        await live.stop();
        live = await startBot();
        continue;
      }
      if (line.startsWith("  ")) {
        expected[expected.length - 1] += `\n${line.slice(2)}`;
        continue;
      }
      const [who, ...rest] = line.split(": ");
      const text = rest.join(": ");
      if (who === "bot") {
        expected.push(text);
        continue;
      }
      check();
      said = line;
      got = await live.say(text, who);
    }
    check();
    expect(live.errors).toEqual([]);
  } finally {
    await live.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

test("docs/conversations.md has examples with conversations", () => {
  const played = blocks.filter((b, i) => b.lang !== "text" && blocks[i + 1]?.lang === "text");
  expect(played.length).toBeGreaterThanOrEqual(6);
});

for (const [i, block] of blocks.entries()) {
  if (block.lang === "text") continue;
  const conversation = blocks[i + 1]?.lang === "text" ? blocks[i + 1]!.body : undefined;
  test(`docs/conversations.md ${block.lang} example ${i}${conversation ? " runs its conversation" : " loads"}`, async () => {
    let plugins: [Plugin<unknown>, unknown][];
    if (block.lang === "yaml") {
      const loaded = parseConfig(block.body, `docs/conversations.md example ${i}`, {});
      plugins = await Promise.all(
        loaded.bots[0]!.plugins.map(async (entry, j) => {
          const p = await loadConfiguredPlugin(entry, `bots[0].plugins[${j}]`);
          return [p.plugin, p.options] as [Plugin<unknown>, unknown];
        }),
      );
    } else {
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, block.body);
      const loaded = await loadConfiguredPlugin({ use: file }, "example");
      plugins = [[loaded.plugin, loaded.options]];
    }
    if (conversation !== undefined) await play(plugins, conversation);
  });
}
