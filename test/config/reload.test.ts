/**
 * A running configuration reloaded from disk in place (src/config/reload.ts):
 * a plugin module edited (its own imports too), the configuration edited
 * (options, plugins and bots added and removed, a change only a restart
 * applies), and `!reload` for a bot's admins — with what fails to load or
 * set up keeping the running version and located (file:line). Real sockets:
 * the harness's server and users, a bot set of the file's bots against it.
 */
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BotSet, prepareBots } from "../../src/config/bots.ts";
import { loadConfig } from "../../src/config/load.ts";
import { applyConfig, reloadFiles, watchedFiles } from "../../src/config/reload.ts";
import { createHarness, type Harness } from "../../src/testing/index.ts";
import { waitFor } from "../bot/wait.ts";
import { folderWith } from "./helpers.ts";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** The counter plugin: counts messages in its store, `!version` says version, word and count. */
function counter(version: string, extra = ""): string {
  return `import { word } from "./word.ts";
export default {
  name: "counter",
  setup(bot, options) {
    ${extra}
    bot.on("message", (ctx) => {
      if (!ctx.body.startsWith("!")) bot.store.update("count", (n = 0) => n + 1);
    });
    bot.command("version", (ctx) =>
      ctx.reply(\`${version} \${options.greeting ?? word} \${bot.store.get("count") ?? 0}\`),
    );
  },
};
`;
}

function config(port: number, bots: string): string {
  return `server: { host: 127.0.0.1, port: ${port} }\nbots:\n${bots}`;
}

function counterBot(extra = ""): string {
  return `  - id: counter@test.local
    topics: ["#general"]
    state: ./state/counter
    admins: [alice]
    reconnect: { initial: 0.01, max: 0.05 }
    plugins:
      - use: ./plugins/counter.ts
${extra}`;
}

interface Running {
  h: Harness;
  set: BotSet;
  dir: string;
  file: string;
  write(name: string, text: string): string;
}

/** The harness's server and users, and the bots of `bots.yaml` (made by `files`) against it. */
async function start(files: (port: number) => Record<string, string>): Promise<Running> {
  const h = await createHarness({ bots: [] });
  cleanup.push(() => h.close());
  const dir = folderWith(files(h.server.port));
  const file = join(dir, "bots.yaml");
  const loaded = loadConfig(file);
  const set = new BotSet(loaded, await prepareBots(loaded), { sink: () => {} });
  cleanup.push(() => set.stop());
  await set.start({ host: h.server.host, port: h.server.port });
  await subscribed(set);
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  return { h, set, dir, file, write };
}

/** Every bot of the set has its topics subscribed: what users say from now on reaches it. */
async function subscribed(set: BotSet): Promise<void> {
  await waitFor(
    () =>
      set.list.every((bot) => {
        const cursors = [...bot.connection.cursors().values()];
        return cursors.length > 0 && cursors.every((c) => c.subscribed !== undefined);
      }),
    10_000,
  );
}

test("a module edited: reloaded in place with its imports, store kept; a broken one keeps running", async () => {
  const { h, set, dir, write } = await start((port) => ({
    "bots.yaml": config(port, counterBot()),
    "plugins/counter.ts": counter("v1"),
    "plugins/word.ts": `export const word = "one";\n`,
  }));
  const counterFile = join(dir, "plugins/counter.ts");
  const wordFile = join(dir, "plugins/word.ts");
  expect(watchedFiles(set).sort()).toEqual([join(dir, "bots.yaml"), counterFile, wordFile].sort());
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "a");
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v1 one 1" });

  // Only the imported file changed: Bun's cached copy of it is not used again.
  write("plugins/word.ts", `export const word = "two";\n`);
  expect(await reloadFiles(set, [wordFile])).toEqual({
    done: ["plugin counter reloaded"],
    failed: [],
  });
  await alice.say("#general", "b");
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v1 two 2" });

  write("plugins/counter.ts", counter("v2"));
  expect((await reloadFiles(set, [counterFile])).done).toEqual(["plugin counter reloaded"]);
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v2 two 2" });

  // A syntax error: the running version stays, and the message says where.
  write("plugins/counter.ts", `export default {\n  setup(bot) { bot.command("x", ; },\n};\n`);
  const broken = await reloadFiles(set, [counterFile]);
  expect(broken.done).toEqual([]);
  expect(broken.failed[0]).toMatch(
    /^\/.*bots\.yaml:9: bots\[0\]\.plugins\[0\]\.use: cannot load .*plugins\/counter\.ts: it does not compile \(1 error\):\n {2}\/.*plugins\/counter\.ts:2:\d+: /,
  );
  expect(broken.failed.at(-1)).toBe("plugin counter runs on as it was");
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v2 two 2" });

  // A setup that throws: the running version is set up again, its command registered once.
  write("plugins/counter.ts", counter("v3", 'throw new Error("boom");'));
  const thrown = await reloadFiles(set, [counterFile]);
  expect(thrown.failed).toHaveLength(2);
  expect(thrown.failed[0]).toMatch(
    /^\/.*bots\.yaml:9: bots\[0\]\.plugins\[0\]: setup failed at .*plugins\/counter\.ts:5: boom \(plugin \.\/plugins\/counter\.ts of bot counter@test\.local\)$/,
  );
  expect(thrown.failed[1]).toBe("plugin counter runs on as it was");
  await alice.say("#general", "c");
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v2 two 3" });
  expect(alice.messages.filter((m) => m.from.startsWith("counter@")).map((m) => m.body)).toEqual([
    "v1 one 1",
    "v1 two 2",
    "v2 two 2",
    "v2 two 2",
    "v2 two 3",
  ]);
});

test("the configuration edited: options, plugins and bots in place; a restart-only change is named", async () => {
  let port = 0;
  const { h, set, write, file } = await start((p) => {
    port = p;
    return {
      "bots.yaml": config(p, counterBot()),
      "plugins/counter.ts": counter("v1"),
      "plugins/word.ts": `export const word = "one";\n`,
    };
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  const counterBot0 = set.list[0];

  write(
    "bots.yaml",
    config(port, counterBot("        with: { greeting: hello }\n      - use: echo\n")),
  );
  expect(await applyConfig(set, loadConfig(file))).toEqual({
    done: ["plugin counter reloaded", "plugin echo set up"],
    failed: [],
  });
  // The same bot, still connected: only its plugins changed.
  expect(set.list[0]).toBe(counterBot0);
  await alice.say("#general", "!echo hi");
  await alice.expectMessage({ from: "counter", body: "hi" });
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v1 hello 0" });

  const second = `  - id: second@test.local
    topics: ["#general"]
    state: ./state/second
    plugins:
      - use: echo
        with: { command: "!say" }
`;
  write("bots.yaml", config(port, counterBot("        with: { greeting: hello }\n") + second));
  expect(await applyConfig(set, loadConfig(file))).toEqual({
    done: ["plugin echo released", `second@test.local started (new in ${file})`],
    failed: [],
  });
  await subscribed(set);
  await alice.say("#general", "!say hey");
  await alice.expectMessage({ from: "second", body: "hey" });
  await alice.say("#general", "!echo gone");
  await alice.say("#general", "!version");
  // second's "hey" counted.
  await alice.expectMessage({ from: "counter", body: "v1 hello 1" });
  expect(alice.messages.some((m) => m.body === "gone" && m.from !== alice.name)).toBe(false);

  // Topics need a new connection: nothing of this edit is applied, the greeting neither.
  write(
    "bots.yaml",
    config(
      port,
      counterBot("        with: { greeting: bye }\n").replace('["#general"]', '["#other"]'),
    ),
  );
  expect(await applyConfig(set, loadConfig(file))).toEqual({
    done: [],
    failed: [
      `${file}: bots[0] (counter@test.local): topics changed: only a restart applies it`,
      `${file}: not applied; the bots run on as they were`,
    ],
  });
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v1 hello 1" });

  write("bots.yaml", config(port, counterBot("        with: { greeting: hello }\n")));
  expect(await applyConfig(set, loadConfig(file))).toEqual({
    done: [`second@test.local stopped (no longer in ${file})`],
    failed: [],
  });
  expect(set.list.map((b) => b.id)).toEqual(["counter@test.local"]);
});

test("!reload: an admin reloads a plugin or all from disk; others are refused; a failure is answered", async () => {
  const { h, write } = await start((port) => ({
    "bots.yaml": config(port, counterBot("      - use: reload\n")),
    "plugins/counter.ts": counter("v1"),
    "plugins/word.ts": `export const word = "one";\n`,
  }));
  const alice = await h.user("alice");
  const bob = await h.user("bob");
  await alice.join("#general");
  await bob.join("#general");
  write("plugins/counter.ts", counter("v2"));

  await bob.say("#general", "!reload");
  await bob.expectMessage({ from: "counter", body: "!reload: not allowed for bob@test.local" });
  await bob.say("#general", "!version");
  await bob.expectMessage({ from: "counter", body: "v1 one 0" });

  await alice.say("#general", "!reload counter");
  await alice.expectMessage({ from: "counter", body: "plugin counter reloaded" });
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v2 one 0" });

  await alice.say("#general", "!reload nope");
  await alice.expectMessage({
    from: "counter",
    body: "no plugin nope (its plugins: counter, reload)",
  });

  write("plugins/counter.ts", "export default { setup(bot) { bot.command( } };\n");
  await alice.say("#general", "!reload");
  const answer = await alice.expectMessage({ from: "counter", body: /does not compile/ });
  expect(answer.body).toMatch(/plugins\/counter\.ts:1:\d+: /);
  expect(answer.body).toContain("plugin reload reloaded");
  expect(answer.body.split("\n").at(-1)).toBe("plugin counter runs on as it was");
  await alice.say("#general", "!version");
  await alice.expectMessage({ from: "counter", body: "v2 one 0" });
});
