/**
 * Through the CLI: plugins that fail to set up (a throw, a bad `every`
 * schedule, a command two plugins register) or do not compile are named by
 * bot, plugin and source line, by `scalar run` (exit 2, nothing left
 * running) and by `scalar validate` (every problem of the file in one pass,
 * no state written).
 */
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { folderWith } from "../config/helpers.ts";
import { runCli } from "./processes.ts";

const plugins = {
  "bots/boom.ts": `export default {
  name: "boom",
  setup(bot) {
    bot.command("roll", {}, (ctx) => ctx.reply("4"));
    throw new Error("boom");
  },
};
`,
  "bots/schedule.ts": `export function setup(bot) {
  bot.every("5min", () => {});
}
`,
  "bots/dice.ts": `export function setup(bot) {
  bot.command("roll", {}, (ctx) => ctx.reply("6"));
}
`,
  "bots/broken.ts": `export default {
  setup(bot) {
    bot.command("x", {}, (ctx) => ctx.reply("a")
  },
};
`,
  "bots/fine.ts": `export function setup(bot) {
  bot.command("hi", {}, (ctx) => ctx.reply("hi"));
}
`,
};

function config(bots: string): string {
  return `server: { embedded: { port: 0 } }\nbots:\n${bots}`;
}

test("run: a plugin that throws in setup is named with its bot and line, exit 2", async () => {
  const dir = folderWith({
    ...plugins,
    "bots.yaml": config(`  - id: hello@localhost
    state: ./data/hello
    plugins:
      - use: ./bots/fine.ts
      - use: ./bots/boom.ts
`),
  });
  const run = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(2);
  expect(run.stderr.trim()).toBe(
    "bots.yaml:7: bots[0].plugins[1]: setup failed at bots/boom.ts:5: boom (plugin ./bots/boom.ts of bot hello@localhost)",
  );
  // The embedded server was stopped again: the runner says so last.
  expect(run.stdout.trim().split("\n").at(-1)).toMatch(/runner: stopped$/);
});

test("run --verbose: the stack of the throw follows the problem", async () => {
  const dir = folderWith({
    ...plugins,
    "bots.yaml": config(`  - id: hello@localhost
    state: ./data/hello
    plugins:
      - use: ./bots/boom.ts
`),
  });
  const run = await runCli(["run", "--verbose", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(2);
  const lines = run.stderr.trim().split("\n");
  expect(lines[0]).toContain("setup failed at bots/boom.ts:5: boom");
  expect(lines[1]).toBe(`    at setup (${join(dir, "bots/boom.ts")}:5:15)`);
});

test("run: a bad every schedule and a command of two plugins, both named", async () => {
  const dir = folderWith({
    ...plugins,
    "bots.yaml": config(`  - id: hello@localhost
    state: ./data/hello
    plugins:
      - use: ./bots/schedule.ts
      - use: ./bots/dice.ts
  - id: other@localhost
    state: ./data/other
    plugins:
      - use: ./bots/dice.ts
      - use: ./bots/boom.ts
`),
  });
  const run = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split("\n")).toEqual([
    'bots.yaml:6: bots[0].plugins[0]: setup failed at bots/schedule.ts:2: bot.every: expected a duration like "30s", "5m", "2h", "1d" or a cron expression like "0 9 * * 1-5", got "5min" (plugin ./bots/schedule.ts of bot hello@localhost)',
    "bots.yaml:12: bots[1].plugins[1]: !roll is registered twice: by plugin ./bots/dice.ts (line 11) at bots/dice.ts:2 and by plugin ./bots/boom.ts at bots/boom.ts:4; rename one of them (bot other@localhost)",
  ]);
});

test("run: a plugin that does not compile shows Bun's build errors with file:line", async () => {
  const dir = folderWith({
    ...plugins,
    "bots.yaml": config(`  - id: hello@localhost
    state: ./data/hello
    plugins:
      - use: ./bots/broken.ts
`),
  });
  const run = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split("\n")).toEqual([
    `bots.yaml:6: bots[0].plugins[0].use: cannot load bots/broken.ts: it does not compile (2 errors):`,
    '  bots/broken.ts:4:3: Expected ")" but found "}"',
    "      },",
    "  bots/broken.ts:5:1: Unexpected }",
    "      };",
  ]);
});

test("validate: module, setup and duplicate problems of every bot in one pass; no state written", async () => {
  const dir = folderWith({
    ...plugins,
    "bots.yaml": config(`  - id: hello@localhost
    state: ./data/hello
    plugins:
      - use: ./bots/broken.ts
      - use: ./bots/boom.ts
  - id: other@localhost
    state: ./data/other
    plugins:
      - use: logger
        with: { dir: ./logs }
      - use: ./bots/dice.ts
      - use: ./bots/boom.ts
      - use: ./bots/schedule.ts
`),
  });
  const run = await runCli(["validate", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(2);
  const lines = run.stderr.trim().split("\n");
  // hello's module does not load: its other plugins are not set up (their result would be guesswork).
  expect(lines[0]).toStartWith("bots.yaml:6: bots[0].plugins[0].use: cannot load");
  expect(lines.filter((l) => l.startsWith("bots.yaml:"))).toEqual([
    lines[0]!,
    "bots.yaml:14: bots[1].plugins[2]: !roll is registered twice: by plugin ./bots/dice.ts (line 13) at bots/dice.ts:2 and by plugin ./bots/boom.ts at bots/boom.ts:4; rename one of them (bot other@localhost)",
    'bots.yaml:15: bots[1].plugins[3]: setup failed at bots/schedule.ts:2: bot.every: expected a duration like "30s", "5m", "2h", "1d" or a cron expression like "0 9 * * 1-5", got "5min" (plugin ./bots/schedule.ts of bot other@localhost)',
  ]);
  // The dry run wrote no state and no logs where the configuration points.
  expect(existsSync(join(dir, "data"))).toBe(false);
  expect(existsSync(join(dir, "logs"))).toBe(false);
});

test("validate: a file whose plugins all set up is ok", async () => {
  const dir = folderWith({
    ...plugins,
    "bots.yaml": config(`  - id: hello@localhost
    state: ./data/hello
    plugins:
      - use: ./bots/fine.ts
      - use: ./bots/dice.ts
      - use: echo
`),
  });
  const run = await runCli(["validate", "bots.yaml"], { cwd: dir });
  expect(run.stderr).toBe("");
  expect(run.stdout).toBe("bots.yaml: ok (1 bot: hello@localhost)\n");
  expect(run.code).toBe(0);
});
