/**
 * `scalar run --watch` as a process: a plugin edited while messages flow
 * is reloaded in place — every message handled once, by the old version
 * or the new, the old version's schedule never firing after, its store
 * kept — a syntax error keeps it running and is printed with file:line,
 * an edit saved by renaming a temporary file over the plugin is seen, an
 * option changed in the configuration is applied, a change only a restart
 * applies is named.
 */
import { afterEach, expect, test } from "bun:test";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { folderWith } from "../config/helpers.ts";
import { type Spawned, spawnCli, startUser } from "./processes.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function plugin(version: string): string {
  return `export default {
  name: "counter",
  setup(bot, options) {
    bot.every("50ms", () => bot.log.info("tick ${version}"));
    bot.on("join", (ctx) => {
      if (ctx.from === bot.id) bot.log.info(\`joined \${ctx.topic}\`);
    }, { own: true });
    bot.on("message", (ctx) => {
      if (!/^m\\d+$/.test(ctx.body)) return;
      bot.store.update("count", (n = 0) => n + 1);
      bot.log.info(\`${version} handled \${ctx.body}\`);
    });
    bot.command("count", (ctx) => ctx.reply(\`${version} \${options.word} \${bot.store.get("count")}\`));
  },
};
`;
}

function config(word: string, topic = "#general"): string {
  return `server: { embedded: { port: 0 } }
bots:
  - id: counter@localhost
    topics: ["${topic}"]
    state: ./data/counter
    plugins:
      - use: ./plugins/counter.ts
        with: { word: ${word} }
`;
}

/** A pattern that matches its `n`th matching line (past lines count), for `waitFor`. */
function nth(pattern: RegExp, n: number): RegExp {
  let seen = 0;
  return { test: (line: string) => pattern.test(line) && ++seen === n } as RegExp;
}

const RELOADED = / counter@localhost counter: plugin counter reloaded$/;

test("scalar run --watch: plugin and configuration edits reloaded in place", async () => {
  const dir = folderWith({ "bots.yaml": config("hi"), "plugins/counter.ts": plugin("v1") });
  const run: Spawned = spawnCli(["run", "--watch", "bots.yaml"], {}, { cwd: dir });
  cleanup.push(async () => {
    run.proc.kill();
    await run.proc.exited;
  });
  const listening = await run.waitFor(/embedded server for localhost listening on /);
  const port = Number(/:(\d+)$/.exec(listening)![1]);
  await run.waitFor(/ runner: watching 2 files for changes$/);
  await run.waitFor(/ counter: joined #general@localhost$/);

  const { bot: alice, seen } = startUser(
    { host: "127.0.0.1", port },
    "alice@localhost",
    ["#general"],
    cleanup,
    { initial: 20, max: 100 },
  );
  await seen.until(() => seen.seen.some((s) => s.type === "event" && s.kind === "join"));

  // Messages flow; halfway the plugin is edited; they go on until well after its reload.
  const sent: string[] = [];
  let edited = false;
  let after = 0;
  for (let i = 0; after < 20 && i < 5000; i++) {
    await alice.send("#general", `m${i}`);
    sent.push(`m${i}`);
    if (i === 10) {
      writeFileSync(join(dir, "plugins/counter.ts"), plugin("v2"));
      edited = true;
    }
    if (edited && run.lines.some((l) => RELOADED.test(l))) after++;
  }
  await run.waitFor(new RegExp(` counter: v\\d handled ${sent.at(-1)}$`));
  const handled = run.lines.flatMap((l) => {
    const m = / counter: (v\d) handled (m\d+)$/.exec(l);
    return m === null ? [] : [{ version: m[1]!, body: m[2]! }];
  });
  expect(handled.map((h) => h.body)).toEqual(sent);
  const firstV2 = handled.findIndex((h) => h.version === "v2");
  expect(firstV2).toBeGreaterThan(10);
  expect(handled.slice(firstV2).every((h) => h.version === "v2")).toBe(true);

  // The old schedule stopped before the new one started.
  await run.waitFor(/ counter: tick v2$/);
  const reloadedAt = run.lines.findIndex((l) => RELOADED.test(l));
  expect(run.lines.slice(reloadedAt).some((l) => l.endsWith(" tick v1"))).toBe(false);
  expect(run.lines.slice(0, reloadedAt).some((l) => l.endsWith(" tick v1"))).toBe(true);

  // The store kept its count across the reload.
  await alice.send("#general", "!count");
  await seen.until(() => seen.seen.some((s) => s.type === "event" && s.body.startsWith("v2 hi")));
  expect(seen.seen.find((s) => s.type === "event" && s.body.startsWith("v2 hi"))).toMatchObject({
    body: `v2 hi ${sent.length}`,
  });

  // A syntax error: printed with the lines, the running version stays.
  writeFileSync(
    join(dir, "plugins/counter.ts"),
    "export default {\n  setup(bot) {\n    bot.command(;\n  },\n};\n",
  );
  await run.waitForErr(
    /counter@localhost counter: error: bots\.yaml:7: bots\[0\]\.plugins\[0\]\.use: cannot load plugins\/counter\.ts: it does not compile \(1 error\):$/,
  );
  await run.waitForErr(/^ {2}plugins\/counter\.ts:3:17: Unexpected ;$/);
  await run.waitForErr(/ counter@localhost counter: error: plugin counter runs on as it was$/);
  await alice.send("#general", "m-after");
  await alice.send("#general", "m9999");
  await run.waitFor(/ counter: v2 handled m9999$/);

  // Fixed the way many editors save: a new file renamed over the old one.
  writeFileSync(join(dir, "plugins/.counter.ts.tmp"), plugin("v3"));
  renameSync(join(dir, "plugins/.counter.ts.tmp"), join(dir, "plugins/counter.ts"));
  await run.waitFor(nth(RELOADED, 2));

  // An option changed in the configuration: the plugin set up again with it.
  writeFileSync(join(dir, "bots.yaml"), config("yo"));
  await run.waitFor(nth(RELOADED, 3));
  await alice.send("#general", "!count");
  await seen.until(() => seen.seen.some((s) => s.type === "event" && s.body.startsWith("v3 yo")));

  // Topics need a new connection: named, not applied.
  writeFileSync(join(dir, "bots.yaml"), config("yo", "#other"));
  await run.waitForErr(
    / runner: error: bots\.yaml: bots\[0\] \(counter@localhost\): topics changed: only a restart applies it$/,
  );
  await run.waitForErr(/ runner: error: bots\.yaml: not applied; the bots run on as they were$/);

  run.proc.kill("SIGTERM");
  expect(await run.proc.exited).toBe(0);
  // One connection all along: the bot never reconnected.
  expect(run.lines.filter((l) => / counter@localhost: connected to /.test(l))).toHaveLength(1);
}, 30_000);
