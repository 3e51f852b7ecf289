/**
 * `scalar run FILE` checks the file, then re-executes itself (same PID)
 * into src/cli/lean-run.ts, where the bots run without the checker's
 * modules. These tests run the real process: the bots run in the same
 * PID after the exec, without any package loaded; a plugin failing to set
 * up or to load there is located as before and exits 2; `!reload` loads
 * the configuration modules when it comes; `--watch` stays in process.
 * With built-in plugins only the process runs precompiled JavaScript
 * (src/cli/precompiled.ts), else the TypeScript sources.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { folderWith } from "../config/helpers.ts";
import { runCli, type Spawned, spawnCli, startUser } from "./processes.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function run(args: string[], cwd: string, env: Record<string, string> = {}): Spawned {
  const spawned = spawnCli(["run", ...args], env, { cwd });
  cleanup.push(async () => {
    spawned.proc.kill();
    await spawned.proc.exited;
  });
  return spawned;
}

/** The command line the process runs now (it changes with an exec, its PID does not). */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
}

const linux = process.platform === "linux";
const PRECOMPILED = /\/node_modules\/\.cache\/scalarbot\/[0-9a-f]{20}\/lean-run\.js$/;

const echoConfig = `server: { embedded: { port: 0 } }
bots:
  - id: echo@localhost
    state: ./state
    topics: ["#general"]
    plugins:
      - use: echo
`;

test.skipIf(!linux)(
  "the bots run in the same process after the check, with no package loaded, the plan removed",
  async () => {
    const dir = folderWith({ "bots.yaml": echoConfig });
    const bots = run(["bots.yaml", "--verbose"], dir);
    const line = await bots.waitFor(
      / runner: checked, then restarted \(precompiled, same PID, \d+\): /,
    );
    expect(line).toContain(`same PID, ${bots.proc.pid})`);
    // zod, yaml and commander were loaded for the check; none is now.
    expect(line).toMatch(/\d+ modules loaded, from packages: none$/);
    const argv = commandLine(bots.proc.pid);
    // Built-in plugins only: the runtime precompiled (src/cli/precompiled.ts).
    expect(argv[1]).toMatch(PRECOMPILED);
    expect(argv[3]).toBe("bots.yaml");
    // The plan held the configuration (tokens, secrets): read and removed.
    expect(existsSync(argv[2]!)).toBe(false);
    expect(bots.lines.some((l) => / runner: 1 bot started from .*bots\.yaml$/.test(l))).toBe(true);
    bots.proc.kill("SIGTERM");
    expect(await bots.proc.exited).toBe(0);
    expect(bots.lines.at(-1)).toMatch(/ runner: stopped$/);
  },
);

test.skipIf(!linux)(
  "with a reload plugin, or SCALAR_PRECOMPILED=0, the bots run from their TypeScript sources",
  async () => {
    const withReload = echoConfig.replace(
      "      - use: echo\n",
      "      - use: echo\n      - use: reload\n",
    );
    for (const [config, env] of [
      [withReload, {}],
      [echoConfig, { SCALAR_PRECOMPILED: "0" }],
    ] as const) {
      const dir = folderWith({ "bots.yaml": config });
      const bots = run(["bots.yaml", "--verbose"], dir, env);
      const line = await bots.waitFor(/ runner: checked, then restarted \(same PID, \d+\): /);
      expect(line).not.toContain("precompiled");
      expect(commandLine(bots.proc.pid)[1]).toEndWith("src/cli/lean-run.ts");
      bots.proc.kill("SIGTERM");
      expect(await bots.proc.exited).toBe(0);
    }
  },
);

test.skipIf(!linux)(
  "a built-in plugin that fails precompiled is located in its TypeScript source, as without",
  async () => {
    const dir = folderWith({
      "bots.yaml": `server: { embedded: { port: 0 } }
bots:
  - id: lg@localhost
    state: ./state
    plugins:
      - use: logger
        with: { dir: ./taken/logs }
`,
      taken: "a file where the logger wants a folder\n",
    });
    const precompiled = await runCli(["run", "bots.yaml"], { cwd: dir });
    const sources = await runCli(["run", "bots.yaml"], {
      cwd: dir,
      env: { SCALAR_PRECOMPILED: "0" },
    });
    expect(precompiled.code).toBe(2);
    expect(precompiled.stderr).toMatch(
      /^bots\.yaml:6: bots\[0\]\.plugins\[0\]: setup failed at .*src\/plugins\/logger\/[a-z-]+\.ts:\d+: /,
    );
    expect(sources.code).toBe(2);
    expect(sources.stderr).toBe(precompiled.stderr);
  },
);

test("a warning of the check is printed before the bots' process takes over", async () => {
  const dir = folderWith({
    // Valid, with a warning: two IDs that are one bot on a server of domain localhost.
    "bots.yaml": `server: { host: 127.0.0.1, port: 1 }
bots:
  - id: hello
    state: ./a
  - id: hello@localhost
    state: ./b
`,
  });
  const bots = run(["bots.yaml"], dir);
  await bots.waitFor(/ runner: 2 bots started from /);
  if (linux) expect(commandLine(bots.proc.pid)[1]).toMatch(PRECOMPILED);
  bots.proc.kill("SIGTERM");
  expect(await bots.proc.exited).toBe(0);
  expect((await bots.stderr()).split("\n")[0]).toBe(
    "bots.yaml:5: bots[1].id: warning: hello@localhost and hello (bots[0].id, line 3) are one bot if the server's domain is localhost",
  );
});

test.skipIf(!linux)(
  "a plugin whose setup fails in the bots' process: located, status 2",
  async () => {
    const dir = folderWith({
      "bots.yaml": `server: { embedded: { port: 0 } }
bots:
  - id: boom@localhost
    state: ./state
    plugins:
      - use: echo
      - use: ./boom.ts
`,
      // Set up only after the exec: the check loads modules, it runs no setup.
      "boom.ts": `export function setup() { throw new Error("no luck in " + process.argv[1].split("/").pop()); }\n`,
    });
    const { code, stderr } = await runCli(["run", "bots.yaml"], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toBe(
      "bots.yaml:7: bots[0].plugins[1]: setup failed at boom.ts:1: no luck in lean-run.ts (plugin ./boom.ts of bot boom@localhost)\n",
    );
  },
);

test("a module that loaded for the check and not in the bots' process: located, status 2", async () => {
  const dir = folderWith({
    "bots.yaml": `server: { embedded: { port: 0 } }
bots:
  - id: flaky@localhost
    state: ./state
    plugins:
      - use: ./flaky.ts
`,
    // As a module edited between the check and the start would.
    "flaky.ts": `if (process.argv[1].endsWith("lean-run.ts")) throw new Error("changed since");
export function setup() {}
`,
  });
  const { code, stderr } = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(code).toBe(2);
  expect(stderr).toBe("bots.yaml:6: bots[0].plugins[0].use: cannot load flaky.ts: changed since\n");
});

test.skipIf(!linux)(
  "!reload in the bots' process reads the file again and reloads the plugin",
  async () => {
    const plugin = (word: string) =>
      `export function setup(bot) { bot.command("word", (ctx) => ctx.reply("${word}")); }\n`;
    const dir = folderWith({
      "bots.yaml": `server: { embedded: { port: 0 } }
bots:
  - id: words@localhost
    state: ./state
    topics: ["#general"]
    admins: [alice@localhost]
    plugins:
      - use: reload
      - use: ./word.ts
`,
      "word.ts": plugin("one"),
    });
    const bots = run(["bots.yaml", "--verbose"], dir);
    const listening = await bots.waitFor(/embedded server for localhost listening on /);
    const port = Number(/:(\d+)$/.exec(listening)![1]);
    await bots.waitFor(/ runner: checked, then restarted /);
    await bots.waitFor(/ words@localhost: connected to /);

    const { bot: alice, seen } = startUser(
      { host: "127.0.0.1", port },
      "alice@localhost",
      ["#general"],
      cleanup,
    );
    const answer = async (body: string) => {
      const before = seen.seen.length;
      await alice.send("#general", body);
      await seen.until(() =>
        seen.seen.slice(before).some((s) => s.type === "event" && s.from === "words@localhost"),
      );
      const reply = seen.seen
        .slice(before)
        .find((s) => s.type === "event" && s.from === "words@localhost");
      return reply?.type === "event" ? reply.body : undefined;
    };
    expect(await answer("!word")).toBe("one");
    writeFileSync(join(dir, "word.ts"), plugin("two"));
    expect(await answer("!reload word")).toBe("plugin word reloaded");
    expect(await answer("!word")).toBe("two");
    expect(commandLine(bots.proc.pid)[1]).toEndWith("src/cli/lean-run.ts");
  },
);

test.skipIf(!linux)("--watch keeps the bots in the checking process", async () => {
  const dir = folderWith({ "bots.yaml": echoConfig });
  const bots = run(["bots.yaml", "--watch", "--verbose"], dir);
  await bots.waitFor(/ runner: watching 1 files? for changes$/);
  expect(commandLine(bots.proc.pid)[1]).toEndWith("src/cli.ts");
  expect(bots.lines.some((l) => l.includes("checked, then restarted"))).toBe(false);
  bots.proc.kill("SIGTERM");
  expect(await bots.proc.exited).toBe(0);
});
