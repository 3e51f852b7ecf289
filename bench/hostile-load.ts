/**
 * Load that clients within their own rate limits can put on the server
 * (issue 13, rows 1, 2 and 10), measured from outside. Each scenario starts
 * a fresh `scalar server` on 127.0.0.1 with default limits, runs for a
 * fixed time and stops; the server's resident memory is sampled from /proc
 * every 100 ms (Linux only), its peak read from VmHWM.
 *
 *   history   100 clients that never read pipeline `history` pages of a
 *             channel holding 40 messages of 15 KB, as fast as the server
 *             takes them (15 s); target: peak RSS at most 256 MiB
 *   firehose  100 subscribers of a channel stop reading while 20
 *             publishers send 15 KB messages at their rate limit (15 s):
 *             the output budget's case; target: peak RSS under 512 MiB
 *   topics    20,000 channels (200 clients with 100 subscriptions each;
 *             --channels sets another number);
 *             4 clients send `topics` at 45/s while, every 100 ms, a new
 *             client connects and identifies and a message goes to a
 *             listener (10 s); target: both within 50 ms at worst
 *   guessing  token mode; 20 connections send wrong tokens as fast as the
 *             server answers, reconnecting when closed (10 s): how many
 *             tokens the server checks
 *
 *   bun bench/hostile-load.ts                      # all four
 *   bun bench/hostile-load.ts --scenario topics --seconds 5
 *   bun bench/hostile-load.ts --server-cwd /tmp/old   # another checkout's server
 *   bun bench/hostile-load.ts --scenario topics --channels 50000 --max-topics 60000
 *                                         # past the server's 25,000 topics with state
 *
 * Prints one JSON line per scenario.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { encodeMessageFrame, type ServerFrame } from "../src/protocol/index.ts";
import { makeTokenHash } from "../src/server/auth.ts";
import { connectProbe } from "./lib/probe-client.ts";
import { type SpawnedServer, spawnServer } from "./lib/spawned-server.ts";

const { values: args } = parseArgs({
  options: {
    scenario: { type: "string" },
    seconds: { type: "string" },
    "server-cwd": { type: "string", default: resolve(import.meta.dir, "..") },
    // For servers before salted hashes: the tokens file gets a sha256: line.
    "legacy-tokens": { type: "boolean", default: false },
    /** Channels of the topics scenario, in hundreds (one holder client each). */
    channels: { type: "string", default: "20000" },
    /** Passed to the server as --max-topics (servers before the bound have no such flag). */
    "max-topics": { type: "string" },
  },
});
const BIG = "z".repeat(15_000);

/** Starts `scalar server` from the checkout under test and samples its RSS until stopped. */
function startServer(extra: string[] = []): Promise<SpawnedServer> {
  const bound = args["max-topics"] === undefined ? [] : ["--max-topics", args["max-topics"]];
  return spawnServer(args["server-cwd"], [...bound, ...extra]);
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function history(seconds: number) {
  const server = await startServer();
  const writer = await connectProbe(server.port, "writer");
  await writer.request({ type: "subscribe", topic: "#deep" });
  for (let i = 0; i < 40; i++) await writer.request({ type: "message", to: "#deep", body: BIG });
  const attackers = await Promise.all(
    Array.from({ length: 100 }, (_, i) => connectProbe(server.port, `reader${i}`)),
  );
  const end = Date.now() + seconds * 1000;
  // They do not read: a close is seen, its error is not.
  let closedEarly = 0;
  for (const a of attackers) {
    a.closed.then(() => {
      if (Date.now() < end) closedEarly++;
    });
  }
  const batch = Buffer.concat(
    Array.from({ length: 50 }, () =>
      encodeMessageFrame({ type: "history", topic: "#deep", after: 0, limit: 100 }),
    ),
  );
  let sent = 0;
  await Promise.all(
    attackers.map(async (a) => {
      a.stopReading();
      // Each write waits until the kernel took the last: as fast as the server reads.
      while (Date.now() < end) {
        const taken = await Promise.race([
          a.write(batch).then(() => true),
          sleep(end - Date.now()).then(() => false),
        ]);
        if (!taken) break;
        sent += 50;
      }
    }),
  );
  const peak = server.peakRss();
  for (const a of attackers) a.close();
  writer.close();
  await server.stop();
  return {
    scenario: "history",
    seconds,
    clients: 100,
    requestsWritten: sent,
    closedByServer: closedEarly,
    peakRssMiB: mib(peak),
    targetMiB: 256,
  };
}

async function firehose(seconds: number) {
  const server = await startServer();
  const subscribers = await Promise.all(
    Array.from({ length: 100 }, (_, i) => connectProbe(server.port, `sub${i}`)),
  );
  for (const s of subscribers) await s.request({ type: "subscribe", topic: "#fire" });
  let end = Number.POSITIVE_INFINITY;
  let closedEarly = 0;
  for (const s of subscribers) {
    s.closed.then(() => {
      if (Date.now() < end) closedEarly++;
    });
    s.stopReading();
  }
  const publishers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => connectProbe(server.port, `pub${i}`)),
  );
  for (const p of publishers) await p.request({ type: "subscribe", topic: "#fire" });
  end = Date.now() + seconds * 1000;
  let published = 0;
  await Promise.all(
    publishers.map(async (p) => {
      // Drain the publisher's own copies: it reads.
      p.onEvent = () => {};
      while (Date.now() < end) {
        const started = Date.now();
        const replies = await Promise.all(
          Array.from({ length: 19 }, () => p.request({ type: "message", to: "#fire", body: BIG })),
        );
        published += replies.filter((r) => r.type === "sent").length;
        await sleep(Math.max(0, 1000 - (Date.now() - started)));
      }
    }),
  );
  const peak = server.peakRss();
  for (const c of [...subscribers, ...publishers]) c.close();
  await server.stop();
  return {
    scenario: "firehose",
    seconds,
    subscribers: 100,
    publishers: 20,
    published,
    closedByServer: closedEarly,
    peakRssMiB: mib(peak),
    targetMiB: 512,
  };
}

async function topics(seconds: number) {
  const server = await startServer();
  const holders = [];
  const holding = Math.ceil(Number(args.channels) / 100);
  for (let h = 0; h < holding; h++) {
    const c = await connectProbe(server.port, `holder${h}`);
    const frames = Array.from({ length: 100 }, (_, i) =>
      encodeMessageFrame({ type: "subscribe", topic: `#c${String(h * 100 + i).padStart(6, "0")}` }),
    );
    await c.write(Buffer.concat(frames));
    holders.push(c);
  }
  const listener = await connectProbe(server.port, "listener");
  await listener.request({ type: "subscribe", topic: "#probe" });
  const publisher = await connectProbe(server.port, "publisher");
  await publisher.request({ type: "subscribe", topic: "#probe" });
  // The holders' subscriptions are all in once the count stops growing.
  let channels = 0;
  for (let still = 0; still < 3 && channels < holding * 100 + 1; ) {
    const list = await listener.request({ type: "topics", limit: 1 });
    const total = list.type === "topic_list" ? list.total : 0;
    still = total === channels ? still + 1 : 0;
    channels = total;
    await sleep(100);
  }
  const flooders = await Promise.all(
    Array.from({ length: 4 }, (_, i) => connectProbe(server.port, `lister${i}`)),
  );
  const end = Date.now() + seconds * 1000;
  let pages = 0;
  let limited = 0;
  const flooding = flooders.map(async (f) => {
    while (Date.now() < end) {
      const started = Date.now();
      const reply = await f.request({ type: "topics" });
      if (reply.type === "topic_list") pages++;
      else limited++;
      await sleep(Math.max(0, 1000 / 45 - (Date.now() - started)));
    }
  });
  const connects: number[] = [];
  const deliveries: number[] = [];
  let n = 0;
  while (Date.now() < end) {
    const t0 = performance.now();
    const fresh = await connectProbe(server.port, `newcomer${n++}`);
    connects.push(performance.now() - t0);
    fresh.close();
    const t1 = performance.now();
    const arrived = new Promise<void>((resolve) => {
      listener.onEvent = (frame: ServerFrame) => {
        if (frame.type === "event" && frame.kind === "message") resolve();
      };
    });
    await publisher.request({ type: "message", to: "#probe", body: `probe ${n}` });
    await arrived;
    deliveries.push(performance.now() - t1);
    await sleep(100);
  }
  await Promise.all(flooding);
  for (const c of [...holders, ...flooders, listener, publisher]) c.close();
  const peak = server.peakRss();
  await server.stop();
  const ms = (v: number) => Math.round(v * 100) / 100;
  return {
    scenario: "topics",
    seconds,
    channels,
    topicPages: pages,
    topicsRateLimited: limited,
    connectMs: { p50: ms(percentile(connects, 50)), max: ms(Math.max(...connects)) },
    messageMs: { p50: ms(percentile(deliveries, 50)), max: ms(Math.max(...deliveries)) },
    samples: connects.length,
    peakRssMiB: mib(peak),
    targetMs: 50,
  };
}

async function guessing(seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), "scalar-guess-"));
  const tokens = join(dir, "tokens");
  const hash = args["legacy-tokens"]
    ? `sha256:${new Bun.CryptoHasher("sha256").update("the right one").digest("hex")}`
    : await makeTokenHash("the right one");
  writeFileSync(tokens, `victim ${hash}\n`);
  const server = await startServer(["--tokens", tokens]);
  const end = Date.now() + seconds * 1000;
  const replies: Record<string, number> = {};
  let closes = 0;
  let guess = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (Date.now() < end) {
        const c = await connectProbe(server.port);
        let open = true;
        c.closed.then(() => {
          open = false;
        });
        while (open && Date.now() < end) {
          const reply = await Promise.race([
            c.request({ type: "identify", id: "victim", token: `guess${guess++}` }),
            c.closed.then(() => undefined),
          ]);
          if (reply === undefined) break;
          const key = reply.type === "error" ? String(reply.code) : reply.type;
          replies[key] = (replies[key] ?? 0) + 1;
          // A client told to wait, waits a little: guessing stays as fast as allowed.
          if (key === "rate_limited") await sleep(100);
        }
        if (!open) closes++;
        c.close();
      }
    }),
  );
  const peak = server.peakRss();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    scenario: "guessing",
    seconds,
    connections: 20,
    replies,
    tokensCheckedPerSecond: Math.round(((replies.auth_failed ?? 0) / seconds) * 10) / 10,
    connectionsClosedByServer: closes,
    peakRssMiB: mib(peak),
  };
}

const scenarios = { history, firehose, topics, guessing } as const;
const chosen = args.scenario === undefined ? Object.keys(scenarios) : [args.scenario];
for (const name of chosen) {
  const run = scenarios[name as keyof typeof scenarios];
  if (run === undefined)
    throw new Error(`no scenario ${name}: ${Object.keys(scenarios).join(", ")}`);
  const defaultSeconds = name === "history" || name === "firehose" ? 15 : 10;
  const seconds = args.seconds === undefined ? defaultSeconds : Number(args.seconds);
  process.stdout.write(
    `${JSON.stringify({ date: new Date().toISOString(), ...(await run(seconds)) })}\n`,
  );
}
process.exit(0);
