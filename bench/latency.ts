/**
 * The latency regression benchmark: the command round trip (`!echo TOKEN`
 * answered with TOKEN in the channel), a bot's start-up and its idle memory,
 * for a scalarbot bot (`scalar run`, the echo plugin) and for the floor (a
 * bare client answering the same command, bench/lib/floor-bot.ts), on a
 * fresh server each run, rows taking turns so a noisy machine falls on both:
 *
 *   bun bench/latency.ts                          # 3 rounds, 2,000 commands quiet and under chatter
 *   bun bench/latency.ts --rounds 5 --count 5000 --chatter 0
 *   bun bench/latency.ts --jit-report             # also: what the optimizing JIT compiled meanwhile
 *   bun bench/latency.ts --gc-report              # also: the garbage collector's pauses meanwhile
 *
 * As in the shared bot yardstick (../shared/anchors/bots): server and bot
 * share CPU 0, this process (the user, the chatter) runs on CPU 1, when
 * `taskset` exists. Idle RSS is VmRSS, the median of 5 samples in the 5th
 * second after the bot joined.
 *
 * Fresh processes are measured, so the tail is mostly warm-up: "warm p99"
 * is the p99 of the second half of each phase alone. With `--jit-report`
 * the server and the bot run with JavaScriptCore's
 * `reportDFGCompileTimes`, and each row says how many functions its
 * processes compiled with the optimizing JIT (DFG) during the quiet phase
 * and how long that took: on one shared core that time is taken from
 * round trips, and it is much steadier from run to run than a p99. With
 * `--gc-report` they run with `logGC`, and each row says how many times
 * each process stopped to collect during the quiet phase, and for how long
 * in all (on one core every collection is a pause of the event loop).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { encodeMessageFrame, type ServerFrame } from "../src/protocol/index.ts";
import { SINGLE_CORE_ENGINE } from "../src/server/engine.ts";
import { connectFrames, type FrameLink } from "./lib/raw-client.ts";

const ROWS = ["floor", "scalarbot"] as const;
type Row = (typeof ROWS)[number];
const TOPIC = "#bench";
const root = resolve(import.meta.dir, "..");
const bun = process.execPath;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    count: { type: "string", default: "2000" },
    warmup: { type: "string", default: "100" },
    chatter: { type: "string", default: "200" },
    rows: { type: "string", default: ROWS.join(",") },
    "idle-seconds": { type: "string", default: "5" },
    "jit-report": { type: "boolean", default: false },
    "gc-report": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const count = Number(values.count);
const warmup = Number(values.warmup);
const chatterRate = Number(values.chatter);
const idleSeconds = Number(values["idle-seconds"]);
const rows = values.rows.split(",") as Row[];
const jitReport = values["jit-report"];
const gcReport = values["gc-report"];
// Inherited by the server and the bot (and by their same-PID restarts).
if (jitReport) process.env.BUN_JSC_reportDFGCompileTimes = "1";
if (gcReport) process.env.BUN_JSC_logGC = "1";
for (const row of rows) {
  if (!ROWS.includes(row))
    throw new Error(`--rows: expected some of ${ROWS.join(",")}, got ${row}`);
}

const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;
if (hasTaskset) spawnSync("taskset", ["-a", "-cp", "1", String(process.pid)]);
const pinned = (argv: string[]) => (hasTaskset ? ["taskset", "-c", "0", ...argv] : argv);

interface Phase {
  p50: number;
  p99: number;
  /** The p99 of the phase's second half: the tail once the processes are warm. */
  warmP99: number;
  max: number;
  unanswered: number;
}
/** Functions compiled by the optimizing JIT (DFG) in a stretch of a process's output. */
interface GcPauses {
  pauses: number;
  ms: number;
}
interface JitWork {
  compiles: number;
  ms: number;
}
interface RunResult {
  quiet: Phase;
  chatter?: Phase;
  startupMs: number;
  rssMb?: number;
  /** During the quiet phase, with --jit-report. */
  jit?: { server: JitWork; bot: JitWork };
  /** During the quiet phase, with --gc-report. */
  gc?: { server: GcPauses; bot: GcPauses };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** A child process whose stdout lines can be awaited. */
function start(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters: { match: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const feed = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.match);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on("data", feed);
  child.stderr.on("data", feed);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    exited,
    output: () => out,
    wait: (match: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const m = out.match(match);
        if (m) return resolve(m);
        waiters.push({ match, resolve });
        exited.then((code) => reject(new Error(`${argv.join(" ")} exited (${code}):\n${out}`)));
      }),
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;
}

/** A user on a bare link: requests in order, events to whoever listens. */
async function user(port: number, id: string) {
  const replies: ((frame: ServerFrame) => void)[] = [];
  let onEvent: (frame: ServerFrame & { type: "event" }) => void = () => {};
  const link: FrameLink = await connectFrames("127.0.0.1", port, (f) => replies.shift()?.(f), {
    noDelay: true,
    onEvent: (frame) => onEvent(frame),
  });
  const request = (message: { type: string } & Record<string, unknown>) =>
    new Promise<ServerFrame>((r) => {
      replies.push(r);
      link.write(encodeMessageFrame(message));
    });
  const welcome = await request({ type: "identify", id });
  if (welcome.type !== "welcome") throw new Error(`identify ${id}: ${JSON.stringify(welcome)}`);
  const subscribed = await request({ type: "subscribe", topic: TOPIC });
  if (subscribed.type !== "subscribed") throw new Error(`subscribe: ${JSON.stringify(subscribed)}`);
  return {
    link,
    /** `message` replies (`sent`) are not awaited: they are counted as gone. */
    send: (body: string) => {
      replies.push(() => {});
      link.write(encodeMessageFrame({ type: "message", to: TOPIC, body }));
    },
    listen: (f: (frame: ServerFrame & { type: "event" }) => void) => {
      onEvent = f;
    },
  };
}

type User = Awaited<ReturnType<typeof user>>;

async function roundTrips(alice: User, botId: string, tag: string, n: number): Promise<number[]> {
  const nonce = Math.random().toString(36).slice(2, 8);
  const times: number[] = [];
  let unanswered = 0;
  for (let i = 0; i < n; i++) {
    const token = `${tag}${i}q${nonce}`;
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      alice.listen((event) => {
        if (event.from === botId && event.body === token) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    const sentAt = performance.now();
    alice.send(`!echo ${token}`);
    if (await answered) times.push(performance.now() - sentAt);
    else if (++unanswered >= 10) throw new Error(`${tag}: 10 commands in a row unanswered`);
  }
  return times;
}

function phase(times: number[], n: number): Phase {
  const sorted = [...times].sort((a, b) => a - b);
  const warm = times.slice(Math.floor(times.length / 2)).sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    warmP99: percentile(warm, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    unanswered: n - times.length,
  };
}

/** JSC's `reportDFGCompileTimes` lines: "Optimized f#… using DFG … in 0.49 ms." */
function jitWork(output: string): JitWork {
  let compiles = 0;
  let ms = 0;
  for (const m of output.matchAll(/^Optimized .* using DFG .* in ([0-9.]+) ms/gm)) {
    compiles++;
    ms += Number(m[1]);
  }
  return { compiles, ms };
}

/** JSC's `logGC` lines: "[GC<…>: START … => EdenCollection, … p=0.78ms (max …), cycle … END]". */
function gcPauses(output: string): GcPauses {
  let pauses = 0;
  let ms = 0;
  for (const m of output.matchAll(/^\[GC<[^>]*>: START .* p=([0-9.]+)ms/gm)) {
    pauses++;
    ms += Number(m[1]);
  }
  return { pauses, ms };
}

/** A member publishing 100-byte non-commands at `rate` a second from a 2 ms timer. */
function chatter(carol: User, rate: number): () => void {
  const began = performance.now();
  let sent = 0;
  const body = "chatter ".padEnd(100, "x");
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - began) / 1000) * rate);
    for (; sent < due; sent++) carol.send(body);
  }, 2);
  return () => clearInterval(timer);
}

function botConfig(dir: string, port: number): { file: string; id: string } {
  const file = join(dir, "bot.yaml");
  writeFileSync(
    file,
    [
      `server: { host: 127.0.0.1, port: ${port} }`,
      "bots:",
      "  - id: echobot@localhost",
      `    topics: ["${TOPIC}"]`,
      `    state: ${join(dir, "state")}`,
      "    plugins:",
      "      - use: echo",
      "        with: { direct: false }",
      "",
    ].join("\n"),
  );
  return { file, id: "echobot@localhost" };
}

async function runOnce(row: Row): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "scalar-latency-"));
  const server = start(
    pinned([
      bun,
      "src/cli.ts",
      "server",
      "--port",
      "0",
      "--rate",
      "100000000",
      "--burst",
      "100000000",
    ]),
    root,
  );
  try {
    const port = Number((await server.wait(/listening on [^:\s]+:(\d+)/))[1]);
    const alice = await user(port, "alice@localhost");
    // The floor gets the engine settings `scalar run` gives its bots on one
    // core: the two rows then differ by the framework alone.
    const bot =
      row === "floor"
        ? {
            argv: [bun, "bench/lib/floor-bot.ts", "127.0.0.1", String(port), TOPIC],
            id: "floorbot@localhost",
            env: hasTaskset ? { ...process.env, ...SINGLE_CORE_ENGINE } : process.env,
          }
        : (() => {
            const { file, id } = botConfig(dir, port);
            return { argv: [bun, "src/cli.ts", "run", file], id, env: process.env };
          })();
    const joined = new Promise<void>((resolve) =>
      alice.listen((e) => {
        if (e.kind === "join" && e.from === bot.id) resolve();
      }),
    );
    const spawnedAt = performance.now();
    const proc = start(pinned(bot.argv), root, bot.env);
    await Promise.race([joined, proc.exited.then(() => Promise.reject(new Error(proc.output())))]);
    const startupMs = performance.now() - spawnedAt;
    try {
      let rss: number | undefined;
      if (row === "scalarbot" && idleSeconds > 0) {
        await Bun.sleep((idleSeconds - 1) * 1000); // the yardstick's "5th second after the join"
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          samples.push(rssMb(proc.child.pid!));
          await Bun.sleep(200);
        }
        rss = median(samples);
      }
      await roundTrips(alice, bot.id, "w", warmup);
      const before = { server: server.output().length, bot: proc.output().length };
      const quiet = phase(await roundTrips(alice, bot.id, "rq", count), count);
      const jit = jitReport
        ? {
            server: jitWork(server.output().slice(before.server)),
            bot: jitWork(proc.output().slice(before.bot)),
          }
        : undefined;
      const gc = gcReport
        ? {
            server: gcPauses(server.output().slice(before.server)),
            bot: gcPauses(proc.output().slice(before.bot)),
          }
        : undefined;
      let loud: Phase | undefined;
      if (chatterRate > 0) {
        const carol = await user(port, "carol@localhost");
        const stop = chatter(carol, chatterRate);
        await roundTrips(alice, bot.id, "w", warmup);
        loud = phase(await roundTrips(alice, bot.id, "rc", count), count);
        stop();
        carol.link.end();
      }
      alice.link.end();
      return {
        quiet,
        ...(loud ? { chatter: loud } : {}),
        startupMs,
        ...(rss ? { rssMb: rss } : {}),
        ...(jit ? { jit } : {}),
        ...(gc ? { gc } : {}),
      };
    } finally {
      await proc.stop();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(2));
const results = new Map<Row, RunResult[]>(rows.map((r) => [r, []]));
console.log(
  `latency: ${rounds} rounds × ${rows.join(", ")}; ${count} commands, ${warmup} warm-up, chatter ${chatterRate}/s; taskset ${hasTaskset ? "on" : "off"}`,
);
for (let round = 1; round <= rounds; round++) {
  for (const row of rows) {
    const r = await runOnce(row);
    results.get(row)!.push(r);
    const loud = r.chatter
      ? ` | chatter p50 ${ms(r.chatter.p50)} p99 ${ms(r.chatter.p99)} max ${ms(r.chatter.max)}`
      : "";
    console.log(
      `round ${round} ${row.padEnd(9)} quiet p50 ${ms(r.quiet.p50)} p99 ${ms(r.quiet.p99)} (warm ${ms(r.quiet.warmP99)}) max ${ms(r.quiet.max)} ms${loud}` +
        ` | start-up ${r.startupMs.toFixed(0)} ms${r.rssMb ? ` | idle RSS ${r.rssMb.toFixed(1)} MB` : ""}` +
        (r.jit
          ? ` | DFG: server ${r.jit.server.compiles} (${r.jit.server.ms.toFixed(1)} ms), bot ${r.jit.bot.compiles} (${r.jit.bot.ms.toFixed(1)} ms)`
          : "") +
        (r.gc
          ? ` | GC pauses: server ${r.gc.server.pauses} (${r.gc.server.ms.toFixed(1)} ms), bot ${r.gc.bot.pauses} (${r.gc.bot.ms.toFixed(1)} ms)`
          : "") +
        (r.quiet.unanswered + (r.chatter?.unanswered ?? 0) > 0
          ? ` | unanswered ${r.quiet.unanswered + (r.chatter?.unanswered ?? 0)}`
          : ""),
    );
  }
}

console.log(`\nmedians of ${rounds} (ms; RSS MB)`);
console.log(
  `| | p50 | p99 | warm p99 | max | chatter p50 | chatter p99 | chatter max | start-up | idle RSS |${jitReport ? " DFG compiles server / bot | DFG ms server / bot |" : ""}${gcReport ? " GC pauses server / bot | GC ms server / bot |" : ""}`,
);
console.log(
  `|---|---|---|---|---|---|---|---|---|---|${jitReport ? "---|---|" : ""}${gcReport ? "---|---|" : ""}`,
);
for (const [row, rs] of results) {
  const m = (f: (r: RunResult) => number | undefined) => {
    const xs = rs.map(f).filter((x): x is number => x !== undefined);
    return xs.length === 0 ? undefined : median(xs);
  };
  console.log(
    `| ${row} | ${ms(m((r) => r.quiet.p50))} | ${ms(m((r) => r.quiet.p99))} | ${ms(m((r) => r.quiet.warmP99))} | ${ms(m((r) => r.quiet.max))} | ` +
      `${ms(m((r) => r.chatter?.p50))} | ${ms(m((r) => r.chatter?.p99))} | ${ms(m((r) => r.chatter?.max))} | ` +
      `${m((r) => r.startupMs)?.toFixed(0)} | ${m((r) => r.rssMb)?.toFixed(1) ?? "–"} |` +
      (jitReport
        ? ` ${m((r) => r.jit?.server.compiles)} / ${m((r) => r.jit?.bot.compiles)} | ` +
          `${m((r) => r.jit?.server.ms)?.toFixed(1)} / ${m((r) => r.jit?.bot.ms)?.toFixed(1)} |`
        : "") +
      (gcReport
        ? ` ${m((r) => r.gc?.server.pauses)} / ${m((r) => r.gc?.bot.pauses)} | ` +
          `${m((r) => r.gc?.server.ms)?.toFixed(1)} / ${m((r) => r.gc?.bot.ms)?.toFixed(1)} |`
        : ""),
  );
}
process.exit(0);
