/**
 * The bot runtime end to end, against a server in its own process:
 *   - events/s through the runtime to a no-op handler, and through the logger
 *     (every event handled and its cursor persisted; the logger's lines on disk);
 *   - time to replay 100k events from history (a first start with `backlog`);
 *   - RSS of one idle bot and of 50 bots in one process.
 *
 *   bun bench/runtime.bench.ts [--events 100000] [--replay 100000]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Runner } from "../src/cli/runner.ts";
import { loadConfig } from "../src/config/load.ts";
import { handledReaches, resetCount } from "./lib/count-plugin.ts";
import { connectRaw } from "./lib/raw-client.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "100000" },
    replay: { type: "string", default: "100000" },
  },
});
const EVENTS = Number(values.events);
const REPLAY = Number(values.replay);
const root = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "scalarbot-bench-"));
const body = (i: number) => `benchmark message ${i} `.padEnd(100, "x");

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before it was ready: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0]!;
}

const server = Bun.spawn(
  [
    process.execPath,
    join(root, "src/cli.ts"),
    "server",
    "--port",
    "0",
    "--history",
    `sqlite:${join(dir, "history.sqlite")}`,
    "--history-limit",
    String(Math.max(REPLAY, EVENTS) + 1000),
    "--admin",
    "pub@localhost",
    "--rate",
    "1000000000",
    "--burst",
    "1000000000",
  ],
  { stdout: "pipe", stderr: "ignore" },
);
const ready = await firstLine(server.stdout);
const [, host, port] = /^listening on (.+):(\d+)$/.exec(ready) ?? [];
if (host === undefined || port === undefined) throw new Error(`unexpected: ${ready}`);
const publisher = await connectRaw(host, Number(port), "pub@localhost");

/** Runs one bot from a YAML fragment; resolves with its runner once connected. */
async function startBot(name: string, yaml: string): Promise<Runner> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `server: { host: ${host}, port: ${port} }\nbots:\n${yaml}`);
  const runner = await Runner.prepare(loadConfig(file), { write: () => {} });
  await runner.start();
  const bot = runner.botList[0]!;
  await new Promise<void>((resolve) => {
    if (bot.status?.type === "connected") return resolve();
    bot.on("status", ({ status }) => {
      if (status.type === "connected") resolve();
    });
  });
  return runner;
}

function report(name: string, events: number, ms: number): void {
  const rate = Math.round(events / (ms / 1000));
  console.log(
    `${name.padEnd(34)} ${String(events).padStart(7)} events in ${(ms / 1000).toFixed(2)} s = ${rate.toLocaleString("en-US")} events/s`,
  );
}

/** Live events through one bot: publish while it runs, time until the last is handled. */
async function live(name: string, topic: string, plugins: string, show = true): Promise<void> {
  resetCount();
  const runner = await startBot(
    name,
    `  - id: ${name}@localhost\n    topics: ["${topic}"]\n    state: ./${name}-state\n    plugins:\n${plugins}      - use: ${join(import.meta.dir, "lib/count-plugin.ts")}\n`,
  );
  const start = performance.now();
  const done = handledReaches(EVENTS);
  await publisher.publish(topic, EVENTS, body);
  await done;
  await runner.stop(); // in-flight handlers finish, cursors persisted
  if (show) report(name, EVENTS, performance.now() - start);
}

// Warm-up (not reported): the first events through a fresh process pay for
// JIT compilation of the decoder and dispatch path, in the server too.
await live("warmup", "#warmup", "", false);
await live("noop", "#noop", "");
await live("logger", "#logged", `      - use: logger\n        with: { dir: ./logs }\n`);

// Replay: publish with nobody listening, then a first start that asks for it all.
await publisher.publish("#replay", REPLAY, body);
resetCount();
const replayStart = performance.now();
const replayed = handledReaches(REPLAY);
const replayRunner = await startBot(
  "replay",
  `  - id: replay@localhost\n    topics: ["#replay"]\n    state: ./replay-state\n    backlog: ${REPLAY}\n    plugins:\n      - use: ${join(import.meta.dir, "lib/count-plugin.ts")}\n`,
);
await replayed;
report("replay (first start, backlog)", REPLAY, performance.now() - replayStart);
await replayRunner.stop();

for (const n of [1, 50]) {
  const probe = Bun.spawn(
    [process.execPath, join(import.meta.dir, "lib/rss-probe.ts"), host, port, String(n), dir],
    { stdout: "pipe", stderr: "inherit" },
  );
  const line = await firstLine(probe.stdout);
  await probe.exited;
  const { rssMb } = JSON.parse(line) as { rssMb: number };
  console.log(`${`RSS, ${n} idle bot${n === 1 ? "" : "s"} in one process`.padEnd(34)} ${rssMb} MB`);
}

publisher.close();
server.kill("SIGTERM");
await server.exited;
rmSync(dir, { recursive: true, force: true });
