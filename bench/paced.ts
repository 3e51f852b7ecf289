/**
 * Paced latency, round by round: this server, the bare Bun TCP fan-out and
 * ngIRCd take turns (one run each per round, a fresh server every run), so
 * the drifts of a noisy machine fall on all three alike. Runs are longer
 * than run-all's 10 s paced runs, whose p99 the load generator's own first
 * seconds can decide (see docs/benchmarks.md).
 *
 *   bun bench/paced.ts                            # S=100, 5 rounds of 60 s
 *   bun bench/paced.ts --rounds 8 --seconds 10 --config s1000
 *   bun bench/paced.ts --warmup 3                 # p99 of the first 3 s and of the rest, apart
 *
 * Needs ngIRCd (`apt-get install -y ngircd`) and the shared yardstick
 * (../shared/anchors, copied by bench/lib/anchors.sh). Server on CPU 0, load
 * generator on CPU 1, as in run-all.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

// The shapes of run-all's s100 and s1000 paced runs.
const CONFIGS = {
  s100: { subs: 100, pubs: 2, rate: 1000, window: 256 },
  s1000: { subs: 1000, pubs: 4, rate: 100, window: 64 },
} as const;
const SERVERS = ["scalarbot", "bare-bun", "ngircd"] as const;
type ServerName = (typeof SERVERS)[number];

const root = resolve(import.meta.dir, "..");
const bun = process.execPath;

const USAGE = `usage: bun bench/paced.ts [--rounds N] [--seconds T] [--config s100|s1000]
                          [--servers ${SERVERS.join(",")}] [--warmup T] [--loadgen-flags=F]
  --rounds   runs of each server, taken in turns (default 5)
  --seconds  length of each run (default 60)
  --warmup   also report the p99 of the first T seconds and of the rest apart (default 0: off)
  --loadgen-flags=F  Node.js flags for the load generator, the same for every server,
             e.g. --loadgen-flags="--min-semi-space-size=2 --max-semi-space-size=2"`;

const values = parseOptions();
const rounds = positive("--rounds", values.rounds);
const seconds = positive("--seconds", values.seconds);
const warmup = Number(values.warmup);
if (!(values.config in CONFIGS)) fail(`--config: expected s100 or s1000, got ${values.config}`);
const config = CONFIGS[values.config as keyof typeof CONFIGS];
const servers = values.servers.split(",") as ServerName[];
for (const name of servers) {
  if (!SERVERS.includes(name))
    fail(`--servers: expected some of ${SERVERS.join(",")}, got ${name}`);
}
if (!(warmup >= 0 && warmup < seconds))
  fail(`--warmup: expected seconds from 0 to below --seconds, got ${values.warmup}`);

const anchors = prepareAnchors();

interface RunResult {
  p50: number;
  p99: number;
  warmupP99?: number;
  steadyP99?: number;
}
const results = new Map<ServerName, RunResult[]>(servers.map((name) => [name, []]));

for (let round = 1; round <= rounds; round++) {
  for (const name of servers) {
    const result = await runOnce(name);
    results.get(name)?.push(result);
    const split =
      warmup > 0
        ? ` first ${warmup} s p99 ${ms(result.warmupP99)}, after ${ms(result.steadyP99)}`
        : "";
    console.error(`round ${round} ${name}: p50 ${ms(result.p50)} p99 ${ms(result.p99)}${split}`);
  }
}
printSummary();

async function runOnce(name: ServerName): Promise<RunResult> {
  const { subs, pubs, rate, window } = config;
  const load = words(
    `--subs ${subs} --pubs ${pubs} --msgs ${rate * seconds} --rate ${rate} --window ${window} --body 100 --quiet`,
  );
  if (name === "bare-bun") {
    const spawn = words(
      `tcp-ceiling.mjs --spawn bun --mode batch --server-cpu 0 --port ${freePort()}`,
    );
    return loadGenerator([...spawn, "--bun", bun, ...load]);
  }
  const server =
    name === "scalarbot"
      ? await startScalar()
      : await startServer(["ngircd", "-n", "-f", join(anchors, "conf/ngircd.conf")], 16667);
  try {
    const client =
      name === "scalarbot"
        ? words("scalar-fanout.mjs --domain localhost --publisher-prefix pub")
        : words("irc-fanout.mjs --oper bench:bench");
    const target = words(`--port ${server.port} --server-pid ${server.pid}`);
    return await loadGenerator([...client, ...target, ...load]);
  } finally {
    server.process.kill("SIGTERM");
    await server.process.exited;
  }
}

interface Started {
  process: Bun.Subprocess;
  pid: number;
  port: number;
}

async function startScalar(): Promise<Started> {
  const admins = Array.from({ length: config.pubs }, (_, j) => `--admin pub${j}@localhost`);
  const server = words(
    `src/cli.ts server --port 0 --domain localhost ${admins.join(" ")} --rate 100000000 --burst 100000000`,
  );
  const child = Bun.spawn(["taskset", "-c", "0", bun, ...server], {
    cwd: root,
    stdout: "pipe",
    stderr: "ignore",
  });
  // `listening on HOST:PORT` is the server's one line on stdout when ready.
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) fail(`our server exited before listening (exit ${await child.exited})`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const port = Number(/listening on .*:(\d+)/.exec(text)?.[1]);
  if (!port) fail(`unexpected first line from our server: ${text.trim()}`);
  return { process: child, pid: child.pid, port };
}

async function startServer(command: string[], port: number): Promise<Started> {
  const child = Bun.spawn(["taskset", "-c", "0", ...command], {
    stdout: "ignore",
    stderr: "ignore",
  });
  for (let tries = 0; tries < 200; tries++) {
    if (await accepts(port)) return { process: child, pid: child.pid, port };
    if (child.exitCode !== null) break;
    await Bun.sleep(25);
  }
  child.kill();
  fail(`${command[0]} did not accept connections on port ${port}`);
}

async function loadGenerator(args: string[]): Promise<RunResult> {
  const env = { ...process.env, SPLIT_WARMUP_SEC: String(warmup) };
  const flags = values["loadgen-flags"].split(" ").filter(Boolean);
  const child = Bun.spawn(["taskset", "-c", "1", "node", ...flags, ...args], {
    cwd: anchors,
    env,
    stdout: "pipe",
    stderr: "inherit",
  });
  const output = await new Response(child.stdout).text();
  const code = await child.exited;
  const last = output.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !last.startsWith("{")) fail(`load generator ${args[0]} failed (exit ${code})`);
  const result = JSON.parse(last);
  if (result.outcome !== "complete") fail(`${args[0]}: run did not complete (${result.outcome})`);
  return {
    p50: result.latencyUs.p50,
    p99: result.latencyUs.p99,
    warmupP99: result.splitUs?.warmupP99,
    steadyP99: result.splitUs?.steadyP99,
  };
}

function printSummary(): void {
  const columns: [string, (r: RunResult) => number | undefined][] = [
    ["p50", (r) => r.p50],
    ["p99", (r) => r.p99],
  ];
  if (warmup > 0) {
    columns.push(
      [`p99 first ${warmup} s`, (r) => r.warmupP99],
      [`p99 after ${warmup} s`, (r) => r.steadyP99],
    );
  }
  const label = `${values.config}, ${config.rate} msg/s, ${rounds} round${rounds === 1 ? "" : "s"} of ${seconds} s`;
  console.log(
    `\n${label}: median (min–max) in ms; "lower" counts rounds where our p99 was below the other's\n`,
  );
  const header = ["server", ...columns.map(([name]) => name)];
  const ours = results.get("scalarbot");
  if (ours) header.push("our p99 lower");
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---").join("|")}|`);
  for (const [name, runs] of results) {
    const cells = columns.map(([, pick]) => spread(runs.map(pick)));
    if (ours) {
      const lower =
        name === "scalarbot"
          ? "—"
          : `${runs.filter((r, i) => ours[i]!.p99 < r.p99).length} of ${runs.length}`;
      cells.push(lower);
    }
    console.log(`| ${name} | ${cells.join(" | ")} |`);
  }
}

function spread(values: (number | undefined)[]): string {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return "—";
  const median =
    known.length % 2
      ? known[(known.length - 1) / 2]!
      : (known[known.length / 2 - 1]! + known[known.length / 2]!) / 2;
  return `${ms(median)} (${ms(known[0])}–${ms(known.at(-1))})`;
}

/**
 * The yardstick keeps one latency histogram per run; with --warmup a copy of
 * it also keeps one for the first seconds and one for the rest, told apart by
 * each message's sequence number (publishers send at a fixed rate).
 */
function prepareAnchors(): string {
  const shared = Bun.spawnSync([join(root, "bench/lib/anchors.sh")], { stderr: "inherit" });
  if (shared.exitCode !== 0) fail("could not prepare the yardstick (bench/lib/anchors.sh)");
  const base = shared.stdout.toString().trim();
  if (warmup === 0) return base;
  const split = `${base}-split`;
  rmSync(split, { recursive: true, force: true });
  cpSync(base, split, { recursive: true });
  const file = join(split, "lib/bench.mjs");
  let source = readFileSync(file, "utf8");
  const edits: [string, string][] = [
    [
      "  const hist = new Hist();\n",
      "  const hist = new Hist();\n  const warmHist = new Hist(), steadyHist = new Hist();\n" +
        "  const warmupSeq = Math.round(Number(process.env.SPLIT_WARMUP_SEC || 0) * opt.rate / P);\n",
    ],
    [
      "      hist.record(now - PARSED.ts);\n",
      "      hist.record(now - PARSED.ts);\n      (seq < warmupSeq ? warmHist : steadyHist).record(now - PARSED.ts);\n",
    ],
    [
      "    latencyUs: {",
      "    splitUs: { warmupP99: warmHist.quantile(0.99), steadyP99: steadyHist.quantile(0.99) },\n    latencyUs: {",
    ],
  ];
  for (const [from, to] of edits) {
    if (!source.includes(from))
      fail(`the yardstick's lib/bench.mjs has changed: cannot find ${JSON.stringify(from)}`);
    source = source.replace(from, to);
  }
  writeFileSync(file, source);
  return split;
}

function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

async function accepts(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

function ms(us: number | undefined): string {
  return us === undefined || Number.isNaN(us) ? "—" : (us / 1000).toFixed(2);
}

function parseOptions() {
  try {
    const { values } = parseArgs({
      options: {
        rounds: { type: "string", default: "5" },
        seconds: { type: "string", default: "60" },
        config: { type: "string", default: "s100" },
        servers: { type: "string", default: SERVERS.join(",") },
        warmup: { type: "string", default: "0" },
        "loadgen-flags": { type: "string", default: "" },
        help: { type: "boolean", default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return values;
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`${flag}: expected a positive integer, got ${value}`);
  return n;
}

function words(text: string): string[] {
  return text.split(" ");
}

function fail(message: string): never {
  console.error(`bench/paced.ts: ${message}`);
  process.exit(2);
}
