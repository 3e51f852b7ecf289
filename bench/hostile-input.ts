/**
 * Input that clients within their own limits can make the server hold
 * (issue 13, the memory bound): many connections, each in the middle of a
 * large frame. A fresh `scalar server` with default limits on 127.0.0.1;
 * 9,999 connections come from 127.0.0.2, 127.0.0.3, … (1,000 an address,
 * under the 1,024 an address allows), with the bystander below the 10,000
 * the server allows. Its RSS is sampled from /proc every
 * 100 ms (Linux only), its peak read from VmHWM.
 *
 *   headers   every connection sends the 2-byte header of a 16 KiB frame
 *             and one byte of it, and nothing more (8 s, under the 10 s
 *             half-sent deadline): what announcing costs
 *   trickle   every connection sends the first 8,200 bytes of a 16 KiB
 *             frame (what makes the server hold the whole 16 KiB), then the
 *             rest in 1 KiB pieces over 8 s, then the next frame; a
 *             connection the server drops comes back (20 s): what sending
 *             slowly costs
 *
 * Meanwhile one bystander pings every 100 ms; its worst round trip and
 * whether it was dropped are reported.
 *
 *   bun bench/hostile-input.ts --scenario trickle [--connections 9999] [--seconds 20] [--no-reconnect]
 *   bun bench/hostile-input.ts --server-cwd /tmp/old   # another checkout's server
 *
 * Prints one JSON line per scenario.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  DateTime,
  encodeCbor,
  encodeFrame,
  encodeMessageFrame,
  MAX_PAYLOAD,
} from "../src/protocol/index.ts";
import { connectFrom, connectMany, type LoopClient } from "./lib/loopback-clients.ts";
import { spawnServer } from "./lib/spawned-server.ts";

const { values: args } = parseArgs({
  options: {
    scenario: { type: "string" },
    seconds: { type: "string" },
    // With the bystander, the 10,000 connections the server allows.
    connections: { type: "string", default: "9999" },
    "server-cwd": { type: "string", default: resolve(import.meta.dir, "..") },
    /** A connection the server drops does not come back (trickle). */
    "no-reconnect": { type: "boolean", default: false },
  },
});
const CONNECTIONS = Number(args.connections);
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A valid `ping` of exactly 16 KiB (an unknown key pads it; receivers ignore those). */
function bigPing(): Uint8Array {
  const at = DateTime.fromMillis(Date.now());
  const base = encodeCbor({ type: "ping", at, pad: "" }).length;
  const frame = encodeFrame(
    encodeCbor({ type: "ping", at, pad: "x".repeat(MAX_PAYLOAD - base - 2) }),
  );
  if (frame.length !== MAX_PAYLOAD + 2) throw new Error(`the ping is ${frame.length} bytes`);
  return frame;
}
const FRAME = bigPing();

/** Pings every 100 ms until `end`; the worst round trip, and whether it lost its connection. */
async function bystander(port: number, end: number) {
  const errors = new Map<string, number>();
  let pending: (() => void) | undefined;
  const c = await connectFrom(port, "127.0.0.1", "bystander", {
    errors,
    onFrame: (_, frame) => {
      if (frame.type === "pong") pending?.();
    },
  });
  let worst = 0;
  let pongs = 0;
  while (Date.now() < end && !c.isClosed) {
    const t0 = performance.now();
    const pong = new Promise<void>((r) => {
      pending = r;
    });
    c.socket.write(encodeMessageFrame({ type: "ping", at: DateTime.fromMillis(Date.now()) }));
    await Promise.race([pong, c.closed]);
    if (c.isClosed) break;
    pongs++;
    worst = Math.max(worst, performance.now() - t0);
    await sleep(100);
  }
  const dropped = c.isClosed;
  c.socket.destroy();
  return {
    pongs,
    worstMs: Math.round(worst * 100) / 100,
    dropped,
    errors: Object.fromEntries(errors),
  };
}

async function headers(seconds: number) {
  const server = await spawnServer(args["server-cwd"]);
  const errors = new Map<string, number>();
  const attackers = await connectMany(server.port, CONNECTIONS, "a", { errors });
  await sleep(500);
  const connected = server.rss();
  const end = Date.now() + seconds * 1000;
  const watching = bystander(server.port, end);
  for (const a of attackers) a.socket.write(FRAME.subarray(0, 3));
  const quiet = await watching;
  const peak = server.peakRss();
  const closedByServer = attackers.filter((a) => a.isClosed).length;
  for (const a of attackers) a.socket.destroy();
  await server.stop();
  return {
    scenario: "headers",
    seconds,
    connections: attackers.length,
    rssConnectedMiB: mib(connected),
    peakRssMiB: mib(peak),
    closedByServer,
    errors: Object.fromEntries(errors),
    bystander: quiet,
  };
}

async function trickle(seconds: number) {
  const server = await spawnServer(args["server-cwd"]);
  const errors = new Map<string, number>();
  let attackers = await connectMany(server.port, CONNECTIONS, "a", { errors });
  await sleep(500);
  const connected = server.rss();
  const end = Date.now() + seconds * 1000;
  const watching = bystander(server.port, end);
  let frames = 0;
  let reconnects = 0;
  const HEAD = 8200;
  const PIECE = 1024;
  const pieces = Math.ceil((FRAME.length - HEAD) / PIECE);
  // One loop for all: every 500 ms each connection sends its next piece.
  const sent = new Map<LoopClient, number>();
  while (Date.now() < end) {
    const started = Date.now();
    for (const a of attackers) {
      if (a.isClosed) continue;
      const at = sent.get(a) ?? 0;
      const next = at === 0 ? HEAD : Math.min(FRAME.length, at + PIECE);
      a.socket.write(FRAME.subarray(at, next));
      if (next === FRAME.length) {
        frames++;
        sent.set(a, 0);
      } else sent.set(a, next);
    }
    // Dropped connections come back, as an attacker's would.
    const gone = attackers.filter((a) => a.isClosed);
    if (gone.length > 0 && !args["no-reconnect"]) {
      attackers = attackers.filter((a) => !a.isClosed);
      const again = await Promise.allSettled(
        gone.map((a) => {
          sent.delete(a);
          return connectFrom(server.port, a.localAddress, a.id, { errors });
        }),
      );
      reconnects += gone.length;
      for (const r of again) if (r.status === "fulfilled") attackers.push(r.value);
    }
    await sleep(Math.max(0, 8000 / pieces - (Date.now() - started)));
  }
  const quiet = await watching;
  const peak = server.peakRss();
  const rssAtEnd = server.rss();
  for (const a of attackers) a.socket.destroy();
  await server.stop();
  return {
    scenario: "trickle",
    reconnect: !args["no-reconnect"],
    rssAtEndMiB: mib(rssAtEnd),
    seconds,
    connections: CONNECTIONS,
    rssConnectedMiB: mib(connected),
    peakRssMiB: mib(peak),
    framesCompleted: frames,
    reconnects,
    errors: Object.fromEntries(errors),
    bystander: quiet,
  };
}

const scenarios = { headers, trickle } as const;
const chosen = args.scenario === undefined ? Object.keys(scenarios) : [args.scenario];
for (const name of chosen) {
  const run = scenarios[name as keyof typeof scenarios];
  if (run === undefined)
    throw new Error(`no scenario ${name}: ${Object.keys(scenarios).join(", ")}`);
  const seconds = args.seconds === undefined ? (name === "headers" ? 8 : 20) : Number(args.seconds);
  process.stdout.write(
    `${JSON.stringify({ date: new Date().toISOString(), ...(await run(seconds)) })}\n`,
  );
}
process.exit(0);
