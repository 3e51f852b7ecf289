/**
 * Black-box tests of `scalar run`, `validate`, `send`, `tail` against the
 * real server in its own process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  readLog,
  runCli,
  type Spawned,
  spawnCli,
  startServerProcess,
  startUser,
  whenCursors,
  whenFiles,
} from "./processes.ts";

let server: { spawned: Spawned; host: string; port: number };
const cleanup: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startServerProcess(["--rate", "1000", "--burst", "1000"]);
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  server.spawned.proc.kill();
  await server.spawned.proc.exited;
});

function publisher(id: string, topics: string[]) {
  const { bot, seen } = startUser(server, id, topics, cleanup, { initial: 10, max: 100 });
  return { bot, rec: seen };
}

function writeConfig(dir: string, topics: string[]): string {
  const file = join(dir, "bots.yaml");
  writeFileSync(
    file,
    `server:
  host: ${server.host}
  port: \${TEST_PORT}
bots:
  - id: logbot@localhost
    topics: ${JSON.stringify(topics)}
    state: ./state
    reconnect: { initial: 0.02, max: 0.2 }
    plugins:
      - use: logger
        with: { dir: ./logs }
`,
  );
  return file;
}

describe("scalar run", () => {
  test("kill -9 and restart continue from the persisted cursor; every topic+seq logged once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scalar-run-"));
    mkdirSync(join(dir, "logs"));
    const config = writeConfig(dir, ["#blackbox", "#blackbox2"]);
    const env = { TEST_PORT: String(server.port) };
    const { bot: pub, rec } = publisher("pub@localhost", ["#blackbox", "#blackbox2"]);
    const joined = (n: number) =>
      rec.until(() =>
        ["#blackbox@localhost", "#blackbox2@localhost"].every(
          (t) =>
            rec.seen.filter(
              (s) =>
                s.type === "event" &&
                s.topic === t &&
                s.kind === "join" &&
                s.from === "logbot@localhost",
            ).length >= n,
        ),
      );

    let run = spawnCli(["run", config], env);
    await run.waitFor(/logbot@localhost: connected/);
    await joined(1);
    // Its own join logged, and the first start's cursors saved.
    await whenFiles(join(dir, "logs"), () =>
      ["#blackbox@localhost", "#blackbox2@localhost"].every((f) =>
        readLog(join(dir, "logs"), f).some((l) => l.kind === "join"),
      ),
    );
    await whenCursors(join(dir, "state"), ["#blackbox@localhost", "#blackbox2@localhost"]);
    const acked: { topic: string; seq: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const topic = i % 2 === 0 ? "#blackbox" : "#blackbox2";
      const [sent] = await pub.send(topic, `message ${i}`);
      acked.push({ topic: sent!.topic, seq: sent!.seq });
    }
    run.proc.kill(9);
    await run.proc.exited;
    for (let i = 30; i < 60; i++) {
      const topic = i % 2 === 0 ? "#blackbox" : "#blackbox2";
      const [sent] = await pub.send(topic, `message ${i}`);
      acked.push({ topic: sent!.topic, seq: sent!.seq });
    }
    run = spawnCli(["run", config], env);
    cleanup.push(async () => {
      run.proc.kill();
      await run.proc.exited;
    });
    await joined(2);
    for (let i = 60; i < 70; i++) {
      const topic = i % 2 === 0 ? "#blackbox" : "#blackbox2";
      const [sent] = await pub.send(topic, `message ${i}`);
      acked.push({ topic: sent!.topic, seq: sent!.seq });
    }
    const logs = join(dir, "logs");
    const folders = {
      "#blackbox@localhost": "#blackbox@localhost",
      "#blackbox2@localhost": "#blackbox2@localhost",
    };
    const last = (topic: keyof typeof folders) =>
      Math.max(...acked.filter((a) => a.topic === topic).map((a) => a.seq));
    await whenFiles(logs, () =>
      (Object.keys(folders) as (keyof typeof folders)[]).every((t) =>
        readLog(logs, folders[t]).some((l) => l.seq === last(t)),
      ),
    );
    run.proc.kill("SIGTERM");
    expect(await run.proc.exited).toBe(0);
    expect(run.lines.some((l) => l.includes("runner: stopped"))).toBe(true);

    for (const [topic, folder] of Object.entries(folders)) {
      const lines = readLog(logs, folder);
      expect(lines.filter((l) => l.gap !== undefined)).toEqual([]);
      const seqs = lines.map((l) => l.seq!);
      // Exactly once, contiguous from the bot's first join on.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      for (const a of acked.filter((x) => x.topic === topic)) expect(seqs).toContain(a.seq);
    }
  }, 20_000);

  test("an unreachable server is reported with host:port and the OS error, and retried", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scalar-run-"));
    const config = writeConfig(dir, ["#general"]);
    // A port nothing listens on: the server's, once it is free, is not knowable; use port 1.
    const run = spawnCli(["run", config], { TEST_PORT: "1" });
    cleanup.push(async () => {
      run.proc.kill();
      await run.proc.exited;
    });
    const line = await run.waitFor(/reconnecting/);
    expect(line).toContain(`cannot connect to ${server.host}:1`);
    expect(line).toMatch(/ECONNREFUSED|refused/i);
    await run.waitFor(/attempt 3/);
    run.proc.kill("SIGINT");
    expect(await run.proc.exited).toBe(0);
  });
});

describe("scalar validate / schema / send / tail", () => {
  test("validate: ok, and one line per problem with exit 2", async () => {
    const ok = spawnCli(["validate", "config.example.yaml"]);
    expect(await ok.proc.exited).toBe(0);
    await ok.waitFor(/config\.example\.yaml: ok \(2 bots/);

    const dir = mkdtempSync(join(tmpdir(), "scalar-validate-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, 'bots:\n  - id: x@localhost\n    state: ./s\n    topics: ["#ok", 42]\n');
    const run = spawnCli(["validate", bad]);
    expect(await run.proc.exited).toBe(2);
    expect((await run.stderr()).trim()).toBe(
      `${bad}:4: bots[0].topics[1]: expected a topic name like "#general", got 42`,
    );
  });

  test("a bad flag value is one line naming the flag, exit 2", async () => {
    const run = spawnCli(["send", "--as", "alice", "--port", "http", "#general", "hi"]);
    expect(await run.proc.exited).toBe(2);
    expect(await run.stderr()).toContain("--port");
  });

  test("schema prints JSON Schema", async () => {
    const run = spawnCli(["schema"]);
    expect(await run.proc.exited).toBe(0);
    const schema = JSON.parse(run.lines.join("\n"));
    expect(schema.properties.bots.type).toBe("array");
  });

  test("send publishes; tail shows HH:MM:SS #topic <from> body", async () => {
    const tail = spawnCli([
      "tail",
      "--host",
      server.host,
      "--port",
      String(server.port),
      "--as",
      "watcher",
      "#tailtest",
    ]);
    cleanup.push(async () => {
      tail.proc.kill();
      await tail.proc.exited;
    });
    await tail.waitFor(/#tailtest \* watcher joined/);
    const send = spawnCli([
      "send",
      "--host",
      server.host,
      "--port",
      String(server.port),
      "--as",
      "alice",
      "#tailtest",
      "hello tail",
    ]);
    expect(await send.proc.exited).toBe(0);
    expect(await send.waitFor(/^sent #tailtest seq \d+$/)).toBeTruthy();
    const line = await tail.waitFor(/<alice> hello tail/);
    expect(line).toMatch(/^\d\d:\d\d:\d\d #tailtest <alice> hello tail$/);
    tail.proc.kill("SIGINT");
    expect(await tail.proc.exited).toBe(0);
  });

  test("tail: a multi-line body is one event, continuation lines indented; Ctrl-C says nothing of a bot", async () => {
    const address = ["--host", server.host, "--port", String(server.port)];
    const tail = spawnCli(["tail", ...address, "--as", "reader", "#multiline"]);
    cleanup.push(async () => {
      tail.proc.kill();
      await tail.proc.exited;
    });
    await tail.waitFor(/#multiline \* reader joined/);
    const send = spawnCli(["send", ...address, "--as", "alice", "#multiline", "one\ntwo\nthree"]);
    expect(await send.proc.exited).toBe(0);
    const first = await tail.waitFor(/<alice> one$/);
    expect(first).toMatch(/^\d\d:\d\d:\d\d #multiline <alice> one$/);
    await tail.waitFor(/^ {2}three$/);
    const at = tail.lines.indexOf(first);
    expect(tail.lines.slice(at + 1, at + 3)).toEqual(["  two", "  three"]);
    const before = tail.errLines.length;
    tail.proc.kill("SIGINT");
    expect(await tail.proc.exited).toBe(0);
    const said = (await tail.stderr()).split("\n").slice(before).join("\n");
    expect(said).not.toMatch(/bot/i);
    expect(said.trim()).toBe("");
  });

  test("send to a bare name: says it sent a direct message, hints at the channel", async () => {
    const send = await runCli([
      "send",
      "--host",
      server.host,
      "--port",
      String(server.port),
      "--as",
      "alice",
      "general",
      "hi",
    ]);
    expect(send.code).toBe(0);
    expect(send.stdout).toMatch(/^sent a direct message to general@localhost \(seq \d+\)\n$/);
    expect(send.stderr).toBe(
      "scalar send: general is an ID, not a channel; for the channel, write '#general'\n",
    );
  });

  test("send to an unreachable server fails with the address", async () => {
    const send = spawnCli(["send", "--port", "1", "--as", "alice", "#general", "hi"]);
    expect(await send.proc.exited).toBe(1);
    expect(await send.stderr()).toContain("127.0.0.1:1");
  });
});
