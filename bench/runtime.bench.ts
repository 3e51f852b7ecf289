/**
 * The bot runtime end to end, against a server in its own process:
 *   - events/s through the runtime to a no-op handler, and through the logger
 *     (every event handled and its cursor persisted; the logger's lines on disk);
 *   - the no-op handler with and without metrics (an `http` listener, so every
 *     event and handler is observed), in alternating rounds;
 *   - time to replay 100k events from history (a first start with `backlog`);
 *   - RSS of `scalar run` with one idle bot, 50 bots, and one bot beside the
 *     configuration's embedded server (that server's share), 5 s after they connected.
 *
 *   bun bench/runtime.bench.ts [--events 100000] [--replay 100000] [--rounds 3]
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
    rounds: { type: "string", default: "3" },
  },
});
const EVENTS = Number(values.events);
const REPLAY = Number(values.replay);
const ROUNDS = Number(values.rounds);
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
    // Room for every event of the replay (bodies of 100 bytes, events ~250).
    "--history-topic-bytes",
    String((Math.max(REPLAY, EVENTS) + 1000) * 512),
    "--history-bytes",
    String((Math.max(REPLAY, EVENTS) + 1000) * 512),
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
async function startBot(name: string, yaml: string, top = ""): Promise<Runner> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `server: { host: ${host}, port: ${port} }\n${top}bots:\n${yaml}`);
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

function report(name: string, events: number, ms: number, cpuUs?: number): number {
  const rate = Math.round(events / (ms / 1000));
  const cpu = cpuUs === undefined ? "" : `, ${(cpuUs / events).toFixed(2)} µs CPU/event`;
  console.log(
    `${name.padEnd(34)} ${String(events).padStart(7)} events in ${(ms / 1000).toFixed(2)} s = ${rate.toLocaleString("en-US")} events/s${cpu}`,
  );
  return rate;
}

/** CPU time of this process (the bot and the publisher's client), µs. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Checks the bot's metrics counted every event (off the clock). */
async function checkMetrics(runner: Runner, topic: string): Promise<void> {
  const text = await (await fetch(`${runner.httpAddress!.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find(
      (l) =>
        l.startsWith("scalarbot_events_handled_total{") &&
        l.includes(`topic="${topic}@localhost",kind="message"`),
    );
  const counted = Number(line?.split(" ").pop());
  if (counted !== EVENTS)
    throw new Error(`metrics counted ${counted} events of ${topic}, not ${EVENTS}`);
}

/** Live events through one bot: publish while it runs, time until the last is handled. */
async function live(
  name: string,
  topic: string,
  plugins: string,
  { show = true, metrics = false } = {},
): Promise<{ rate: number; cpu: number }> {
  resetCount();
  const runner = await startBot(
    name,
    `  - id: ${name}@localhost\n    topics: ["${topic}"]\n    state: ./${name}-state\n    plugins:\n${plugins}      - use: ${join(import.meta.dir, "lib/count-plugin.ts")}\n`,
    metrics ? "http: { port: 0 }\n" : "",
  );
  const start = performance.now();
  const cpuStart = cpuNow();
  const done = handledReaches(EVENTS);
  await publisher.publish(topic, EVENTS, body);
  await done;
  let ms = performance.now() - start;
  let cpu = cpuNow() - cpuStart;
  // Off the clock: the scrape that checks every event was counted.
  if (metrics) await checkMetrics(runner, topic);
  const stopping = performance.now();
  const stoppingCpu = cpuNow();
  await runner.stop(); // in-flight handlers finish, cursors persisted
  ms += performance.now() - stopping;
  cpu += cpuNow() - stoppingCpu;
  return { rate: show ? report(name, EVENTS, ms, cpu) : 0, cpu: cpu / EVENTS };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Warm-up (not reported): the first events through a fresh process pay for
// JIT compilation of the decoder and dispatch path, in the server too.
await live("warmup", "#warmup", "", { show: false });
await live("warmup-metrics", "#warmup-metrics", "", { show: false, metrics: true });
await live("noop", "#noop", "");
// Metrics cost: off and on in turns, so the machine's drift falls on both.
const off: { rate: number; cpu: number }[] = [];
const on: { rate: number; cpu: number }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  off.push(await live(`noop-off${round}`, `#off${round}`, ""));
  on.push(await live(`noop-metrics${round}`, `#on${round}`, "", { metrics: true }));
}
const change = (a: number, b: number) =>
  `${a >= b ? "+" : "-"}${Math.abs((a / b - 1) * 100).toFixed(1)}%`;
const [rateOn, rateOff] = [median(on.map((r) => r.rate)), median(off.map((r) => r.rate))];
const [cpuOn, cpuOff] = [median(on.map((r) => r.cpu)), median(off.map((r) => r.cpu))];
console.log(
  `${"metrics on vs off, medians".padEnd(34)} ${rateOn.toLocaleString("en-US")} / ${rateOff.toLocaleString("en-US")} events/s (${change(rateOn, rateOff)}); ${cpuOn.toFixed(2)} / ${cpuOff.toFixed(2)} µs CPU/event (${change(cpuOn, cpuOff)})`,
);
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

// As users run them: `scalar run` spawned (it checks the file, then runs the bots in a lean process).
for (const [n, embedded] of [
  [1, false],
  [50, false],
  [1, true],
] as const) {
  const probe = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "lib/rss-probe.ts"),
      host,
      port,
      String(n),
      dir,
      ...(embedded ? ["--embedded"] : []),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const line = await firstLine(probe.stdout);
  await probe.exited;
  const { rssMb, startupMs } = JSON.parse(line) as { rssMb: number; startupMs: number };
  const what = `RSS, ${n} idle bot${n === 1 ? "" : "s"}${embedded ? " + embedded server" : ""}`;
  console.log(`${what.padEnd(34)} ${rssMb} MB (scalar run, all connected in ${startupMs} ms)`);
}

publisher.close();
server.kill("SIGTERM");
await server.exited;
rmSync(dir, { recursive: true, force: true });
