/**
 * Through the CLI: what starts and what does not. A sqlite history in a
 * folder that does not exist yet works (the folder is made); a history
 * file that cannot be made or opened is named by its path, a busy port by
 * its address, each in one line without a stack, exit 1. Every bot giving
 * up ends `scalar run` with status 3.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TCPSocketListener } from "bun";
import { folderWith } from "../config/helpers.ts";
import { runCli, type Spawned, spawnCli } from "./processes.ts";

const running: Spawned[] = [];
afterAll(async () => {
  for (const spawned of running) {
    spawned.proc.kill();
    await spawned.proc.exited;
  }
});

/** A port something already listens on; stopped after the file. */
function busyPort(): number {
  const listener: TCPSocketListener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data() {} },
  });
  afterAll(() => listener.stop(true));
  return listener.port;
}

const bot = `bots:
  - id: hello@localhost
    state: ./data/hello
    plugins: [{ use: echo }]
`;

test("run: the embedded server's sqlite history in a missing folder works; the folder is made", async () => {
  const dir = folderWith({
    "bots.yaml": `server: { embedded: { port: 0, history: "sqlite:./data/history.sqlite" } }\n${bot}`,
  });
  const run = spawnCli(["run", "bots.yaml"], {}, { cwd: dir });
  running.push(run);
  await run.waitFor(/hello@localhost: connected to /);
  expect(existsSync(join(dir, "data/history.sqlite"))).toBe(true);
  run.proc.kill("SIGTERM");
  expect(await run.proc.exited).toBe(0);
});

test("run: a history file that cannot be made is named by its path, not blamed on the port", async () => {
  const dir = folderWith({
    "bots.yaml": `server: { embedded: { port: 0, history: "sqlite:./blocked/history.sqlite" } }\n${bot}`,
    blocked: "a file where the folder should be",
  });
  const run = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `bots.yaml: cannot start: the embedded server cannot make the folder of the history file ${join(dir, "blocked/history.sqlite")}: EEXIST: file already exists, mkdir '${join(dir, "blocked")}'\n`,
  );
});

test("run: a history path that is a folder is named as the history file", async () => {
  const dir = folderWith({
    "bots.yaml": `server: { embedded: { port: 0, history: "sqlite:./data" } }\n${bot}`,
  });
  mkdirSync(join(dir, "data"));
  const run = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `bots.yaml: cannot start: the embedded server cannot open the history file ${join(dir, "data")}: unable to open database file (SQLITE_CANTOPEN)\n`,
  );
});

test("run: a busy port is named with the key to change", async () => {
  const port = busyPort();
  const dir = folderWith({ "bots.yaml": `server: { embedded: { port: ${port} } }\n${bot}` });
  const run = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `bots.yaml: cannot start: the embedded server cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE): stop the other server or choose another port (server.embedded.port)\n`,
  );
});

test("server: --history sqlite in a missing folder works; the folder is made", async () => {
  const dir = folderWith({});
  const server = spawnCli(
    ["server", "--port", "0", "--history", "sqlite:./nodir/h.sqlite"],
    {},
    { cwd: dir },
  );
  running.push(server);
  await server.waitFor(/^listening on /);
  expect(existsSync(join(dir, "nodir/h.sqlite"))).toBe(true);
  server.proc.kill("SIGTERM");
  expect(await server.proc.exited).toBe(0);
});

test("server: a busy port and an unusable history file are one line each, no stack", async () => {
  const port = busyPort();
  const busy = await runCli(["server", "--port", String(port)]);
  expect(busy.code).toBe(1);
  expect(busy.stderr).toBe(
    `scalar server: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE): stop the other server or choose another port (--port)\n`,
  );
  const dir = folderWith({ blocked: "a file" });
  const history = await runCli(
    ["server", "--port", "0", "--history", "sqlite:./blocked/h.sqlite"],
    { cwd: dir },
  );
  expect(history.code).toBe(1);
  expect(history.stderr).toBe(
    `scalar server: cannot make the folder of the history file ./blocked/h.sqlite: EEXIST: file already exists, mkdir '${join(dir, "blocked")}'\n`,
  );
});

test("run: every bot gave up reconnecting, exit 3; --log-format json is one object a line", async () => {
  const dir = folderWith({});
  // Port 1: nothing listens there.
  writeFileSync(
    join(dir, "bots.yaml"),
    `server: { host: 127.0.0.1, port: 1 }
bots:
  - id: one@localhost
    state: ./data/one
    reconnect: { initial: 0.01, max: 0.02, maxAttempts: 2 }
  - id: two@localhost
    state: ./data/two
    reconnect: { initial: 0.01, max: 0.02, maxAttempts: 3 }
`,
  );
  const run = await runCli(["run", "--log-format", "json", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(3);
  const out = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const err = run.stderr
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(out[0]).toMatchObject({
    level: "info",
    bot: "one@localhost",
    message: "connecting to 127.0.0.1:1 (attempt 1)",
  });
  expect(Date.parse(out[0].time)).toBeGreaterThan(0);
  expect(err.map((e) => [e.level, e.bot ?? e.source, e.message.split(" after")[0]])).toEqual([
    ["error", "one@localhost", "gave up on 127.0.0.1:1"],
    ["error", "two@localhost", "gave up on 127.0.0.1:1"],
    ["error", "runner", "every bot gave up reconnecting; exiting with status 3"],
  ]);
});

test("run --verbose: a handler's error on stderr with its stack; debug lines on stdout", async () => {
  const dir = folderWith({
    "bots/thrower.ts": `export function setup(bot) {
  bot.on("message", (ctx) => {
    if (ctx.body === "explode") throw new Error("kaput");
  });
}
`,
    "bots.yaml": `server: { embedded: { port: 0 } }
bots:
  - id: hello@localhost
    topics: ["#general"]
    state: ./data/hello
    plugins: [{ use: ./bots/thrower.ts }]
`,
  });
  const run = spawnCli(["run", "--verbose", "bots.yaml"], {}, { cwd: dir });
  running.push(run);
  expect(await run.waitFor(/hello@localhost thrower: set up$/)).toBeTruthy();
  const listening = await run.waitFor(/embedded server for localhost listening on /);
  const port = /:(\d+)$/.exec(listening)![1]!;
  await run.waitFor(/hello@localhost: connected to /);
  const send = await runCli(["send", "--port", port, "--as", "alice", "#general", "explode"]);
  expect(send.code).toBe(0);
  const error = await run.waitForErr(/kaput/);
  expect(error).toMatch(
    /^\d\d:\d\d:\d\d hello@localhost thrower: error: failed on message at #general@localhost#\d+: kaput$/,
  );
  const frame = await run.waitForErr(/^ {4}at /);
  expect(frame).toBe(`    at <anonymous> (${join(dir, "bots/thrower.ts")}:3:43)`);
  run.proc.kill("SIGINT");
  expect(await run.proc.exited).toBe(0);
});
