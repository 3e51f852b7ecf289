/**
 * Chaos: a publisher sends while the logger bot's process is SIGKILLed at
 * seeded-random moments and restarted, and the server (sqlite history) is
 * restarted once. At the end every acknowledged message is logged exactly
 * once.
 *
 * CI runs a short version; the long one (as in docs/benchmarks.md):
 *   CHAOS_MESSAGES=10000 bun test test/client/chaos.test.ts
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import {
  readLog,
  type Spawned,
  spawnCli,
  startServerProcess,
  whenCursors,
  whenFiles,
} from "../cli/processes.ts";

const SEED = Number(process.env.CHAOS_SEED ?? 20261126);
const MESSAGES = Number(process.env.CHAOS_MESSAGES ?? 240);
/** About seven kills a run whatever its length, at least one in 33 sends in short runs. */
const KILL_CHANCE = Math.min(0.03, 7 / MESSAGES);
const TOPICS = ["#chaos-a@localhost", "#chaos-b@localhost"];

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

async function kill(spawned: Spawned, signal: "SIGKILL" | "SIGTERM"): Promise<void> {
  spawned.proc.kill(signal);
  await spawned.proc.exited;
}

test(
  `chaos (seed ${SEED}): kills and a server restart lose and duplicate nothing`,
  async () => {
    const random = rng(SEED);
    const dir = mkdtempSync(join(tmpdir(), "scalar-chaos-"));
    mkdirSync(join(dir, "logs"));
    const history = [
      "--history",
      `sqlite:${join(dir, "history.sqlite")}`,
      "--rate",
      "5000",
      "--burst",
      "5000",
    ];
    let server = await startServerProcess(history);
    const port = server.port;
    stops.push(() => kill(server.spawned, "SIGTERM"));

    const config = join(dir, "bots.yaml");
    writeFileSync(
      config,
      `server: { host: ${server.host}, port: ${port} }
bots:
  - id: chaoslog@localhost
    topics: ${JSON.stringify(TOPICS)}
    state: ./state
    reconnect: { initial: 0.01, max: 0.1, jitter: 0.5 }
    plugins:
      - use: logger
        with: { dir: ./logs }
`,
    );

    const publisher = new Bot({
      id: "chaospub@localhost",
      topics: TOPICS,
      dialer: tcpDialer(server.host, port),
      cursors: new MemoryCursorStore(),
      reconnect: { initial: 10, max: 100 },
    });
    stops.push(() => publisher.stop());
    publisher.start();

    let runner = spawnCli(["run", config]);
    stops.push(() => kill(runner, "SIGKILL"));
    // The first start begins live: wait until the logger has logged its own
    // join in both topics (so its start point is persisted).
    const logs = join(dir, "logs");
    const folder = (topic: string) => topic;
    await whenFiles(logs, () =>
      TOPICS.every((t) =>
        readLog(logs, folder(t)).some((l) => l.kind === "join" && l.from === "chaoslog@localhost"),
      ),
    );
    await whenCursors(join(dir, "state"), TOPICS);

    const acked: { topic: string; seq: number }[] = [];
    const restartServerAt = Math.floor(MESSAGES / 2);
    let kills = 0;
    for (let i = 0; i < MESSAGES; i++) {
      if (random() < KILL_CHANCE) {
        await kill(runner, "SIGKILL");
        kills++;
        runner = spawnCli(["run", config]);
      }
      if (i === restartServerAt) {
        await kill(server.spawned, "SIGTERM");
        server = await startServerProcess(["--port", String(port), ...history]);
      }
      const topic = TOPICS[Math.floor(random() * TOPICS.length)]!;
      const [sent] = await publisher.send(topic, `chaos ${i}`);
      acked.push({ topic: sent!.topic, seq: sent!.seq });
    }
    expect(kills).toBeGreaterThan(0);
    if (process.env.CHAOS_VERBOSE)
      console.log(`chaos: ${MESSAGES} messages, ${kills} kills, 1 server restart`);

    const lastAcked = (topic: string) =>
      Math.max(...acked.filter((a) => a.topic === topic).map((a) => a.seq));
    await whenFiles(
      logs,
      () => TOPICS.every((t) => readLog(logs, folder(t)).some((l) => (l.seq ?? 0) >= lastAcked(t))),
      10_000,
    );
    await kill(runner, "SIGTERM");

    for (const topic of TOPICS) {
      const lines = readLog(logs, folder(topic));
      expect(lines.filter((l) => l.gap !== undefined)).toEqual([]);
      const seqs = lines.map((l) => l.seq!);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      const logged = new Set(seqs);
      const missing = acked.filter((a) => a.topic === topic && !logged.has(a.seq));
      expect(missing).toEqual([]);
    }
  },
  30_000 + MESSAGES * 10,
);
