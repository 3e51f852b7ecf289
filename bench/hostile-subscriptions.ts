/**
 * What subscriptions within the per-connection limit cost the server
 * (issue 13, the memory bound's per-connection term). A fresh
 * `scalar server` with default limits on 127.0.0.1; connections come from
 * 127.0.0.2, 127.0.0.3, … (1,000 an address). Each identifies and, in one
 * write, subscribes to 100 channels (limits.subscriptions), then reads
 * everything it is sent. RSS from /proc: after all are in (and 2 s of
 * quiet) and at its peak (VmHWM).
 *
 *   distinct  every connection subscribes to 100 channels of its own:
 *             100 new channels per connection (each with its `join`)
 *   shared    every connection subscribes to the same 100 channels: each
 *             `join` goes to everyone already in (fan-out)
 *   spread    as many channels as connections, 100 subscribers each: what a
 *             connection with 100 subscriptions costs, with a small fan-out
 *
 *   bun bench/hostile-subscriptions.ts --scenario distinct [--connections 2000]
 *   bun bench/hostile-subscriptions.ts --scenario distinct --max-topics 1000000
 *   bun bench/hostile-subscriptions.ts --server-cwd /tmp/old
 *
 * With the default bound on topics (50,000) `distinct` is refused past it
 * (`busy`, fatal); `--max-topics` passes another to the server, to measure
 * what each channel costs.
 *
 * Prints one JSON line per scenario.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { encodeMessageFrame } from "../src/protocol/index.ts";
import { connectMany, type LoopClient } from "./lib/loopback-clients.ts";
import { spawnServer } from "./lib/spawned-server.ts";

const { values: args } = parseArgs({
  options: {
    scenario: { type: "string" },
    connections: { type: "string", default: "2000" },
    "server-cwd": { type: "string", default: resolve(import.meta.dir, "..") },
    "max-topics": { type: "string" },
  },
});
const CONNECTIONS = Number(args.connections);
const SUBSCRIPTIONS = 100;
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

type Scenario = "distinct" | "shared" | "spread";

function channelOf(scenario: Scenario, i: number, j: number): string {
  if (scenario === "distinct") return `#c${i}-${j}`;
  if (scenario === "shared") return `#shared${j}`;
  // Channel k gets connections k, k - n/100, k - 2n/100, …: 100 of them.
  return `#s${(i + j * Math.max(1, Math.floor(CONNECTIONS / SUBSCRIPTIONS))) % CONNECTIONS}`;
}

async function run(scenario: Scenario) {
  const extra = args["max-topics"] === undefined ? [] : ["--max-topics", args["max-topics"]];
  const server = await spawnServer(args["server-cwd"], extra);
  const idle = server.rss();
  const errors = new Map<string, number>();
  const answered = new Map<LoopClient, number>();
  const done = new Map<LoopClient, () => void>();
  const clients = await connectMany(server.port, CONNECTIONS, "s", {
    errors,
    onFrame: (client, frame) => {
      if (frame.type !== "subscribed" && frame.type !== "error") return;
      const n = (answered.get(client) ?? 0) + 1;
      answered.set(client, n);
      if (n === SUBSCRIPTIONS) done.get(client)?.();
    },
  });
  const started = performance.now();
  // 100 at a time: each writes its subscriptions and waits for their replies.
  for (let at = 0; at < clients.length; at += 100) {
    await Promise.all(
      clients.slice(at, at + 100).map((client, k) => {
        const i = at + k;
        const frames = Array.from({ length: SUBSCRIPTIONS }, (_, j) =>
          encodeMessageFrame({
            type: "subscribe",
            topic: channelOf(scenario, i, j),
          }),
        );
        return new Promise<void>((resolved) => {
          done.set(client, resolved);
          client.closed.then(resolved);
          client.socket.write(Buffer.concat(frames));
        });
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  await Bun.sleep(2000);
  const after = server.rss();
  const peak = server.peakRss();
  const closedByServer = clients.filter((c) => c.isClosed).length;
  for (const c of clients) c.socket.destroy();
  await server.stop();
  return {
    scenario,
    connections: CONNECTIONS,
    subscriptions: CONNECTIONS * SUBSCRIPTIONS,
    seconds: Math.round(seconds * 10) / 10,
    rssIdleMiB: mib(idle),
    rssAfterMiB: mib(after),
    peakRssMiB: mib(peak),
    perConnectionKiB: Math.round((after - idle) / CONNECTIONS / 102.4) / 10,
    closedByServer,
    errors: Object.fromEntries(errors),
  };
}

const chosen = (args.scenario?.split(",") ?? ["distinct", "shared", "spread"]) as Scenario[];
for (const scenario of chosen) {
  if (scenario !== "distinct" && scenario !== "shared" && scenario !== "spread") {
    throw new Error(`--scenario: ${scenario} is not distinct, shared or spread`);
  }
  process.stdout.write(
    `${JSON.stringify({ date: new Date().toISOString(), ...(await run(scenario)) })}\n`,
  );
}
process.exit(0);
