/**
 * State that clients within their own rate limits can make the server hold
 * (issue 13, rows 3 and 4), measured as the server's resident memory. Each
 * scenario starts a fresh `scalar server` on 127.0.0.1 with default limits
 * (memory history), runs 50 users for a fixed time, and samples the
 * server's RSS from /proc every 100 ms (Linux only):
 *
 *   channels  each user subscribes to and leaves ever-new channel names as
 *             fast as its request rate allows (20 s); target: RSS grows
 *             by at most 32 MiB
 *   dms       each user sends 15 KB direct messages to ever-new IDs that
 *             never connect, at its message rate (40 s); target: peak RSS
 *             at most 384 MiB
 *   presence  30 messages on a channel, then every user joins and leaves
 *             it as fast as its request rate allows (8 s); target: the 30
 *             messages are still in history
 *
 *   bun bench/hostile-state.ts                     # all three
 *   bun bench/hostile-state.ts --scenario dms --seconds 10
 *
 * Prints one JSON line per scenario.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";
import { encodeMessageFrame, type Outgoing, type ServerFrame } from "../src/protocol/index.ts";
import { connectFrames } from "./lib/raw-client.ts";

const USERS = 50;
/** Default limits (options.ts): requests and messages a second per connection. */
const REQUEST_RATE = 50;
const MESSAGE_RATE = 20;
/** A little under the limit, so the users stay within it. */
const PACE = 0.95;
const MiB = 2 ** 20;

type Run = (server: Server, seconds: number) => Promise<Record<string, number>>;
const SCENARIOS: Record<string, { seconds: number; run: Run }> = {
  channels: { seconds: 20, run: channels },
  dms: { seconds: 40, run: dms },
  presence: { seconds: 8, run: presence },
};

const { values } = parseArgs({
  options: { scenario: { type: "string" }, seconds: { type: "string" } },
});
const chosen = values.scenario?.split(",") ?? Object.keys(SCENARIOS);
for (const name of chosen) {
  if (!(name in SCENARIOS))
    throw new Error(`--scenario: ${name} is not one of ${Object.keys(SCENARIOS)}`);
}
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
if (seconds !== undefined && !(seconds > 0)) throw new Error("--seconds must be a positive number");

for (const name of chosen) {
  const scenario = SCENARIOS[name]!;
  const result = await withServer((server) => scenario.run(server, seconds ?? scenario.seconds));
  process.stdout.write(`${JSON.stringify({ scenario: name, ...result })}\n`);
}

// ------------------------------------------------------------ scenarios --

async function channels(server: Server, duration: number) {
  const users = await connectAll(server.port, "churn");
  const before = server.rss();
  let n = 0;
  await paced(users, REQUEST_RATE / 2, duration, (user, i) => {
    const topic = `#n${i}-${n++}`;
    user.send({ type: "subscribe", topic }, { type: "unsubscribe", topic });
  });
  await settle(users);
  const after = server.rss();
  close(users);
  return {
    seconds: duration,
    names: n,
    refused: count(users, "rate_limited"),
    rssBeforeMiB: mb(before),
    rssPeakMiB: mb(server.peak),
    rssEndMiB: mb(after),
    growthMiB: mb(server.peak - before),
  };
}

async function dms(server: Server, duration: number) {
  const users = await connectAll(server.port, "sender");
  const before = server.rss();
  const body = "x".repeat(15_000);
  let n = 0;
  await paced(users, MESSAGE_RATE, duration, (user, i) => {
    user.send({ type: "message", to: `nobody${i}-${n++}`, body });
  });
  await settle(users);
  const after = server.rss();
  close(users);
  return {
    seconds: duration,
    dms: n,
    sent: count(users, "sent"),
    refused: count(users, "rate_limited"),
    rssBeforeMiB: mb(before),
    rssPeakMiB: mb(server.peak),
    rssEndMiB: mb(after),
  };
}

async function presence(server: Server, duration: number) {
  const [poster] = await connectAll(server.port, "poster", 1);
  poster!.send({ type: "subscribe", topic: "#busy" });
  for (let i = 0; i < 30; i++) poster!.send({ type: "message", to: "#busy", body: `m${i}` });
  poster!.send({ type: "unsubscribe", topic: "#busy" });
  await settle([poster!]);
  const users = await connectAll(server.port, "churn");
  await paced(users, REQUEST_RATE / 2, duration, (user) => {
    user.send({ type: "subscribe", topic: "#busy" }, { type: "unsubscribe", topic: "#busy" });
  });
  await settle(users);
  let after = 0;
  let messages = 0;
  let events = 0;
  for (;;) {
    const page = await poster!.request({ type: "history", topic: "#busy", after, limit: 1000 });
    if (page.type !== "backlog") throw new Error(`history: ${JSON.stringify(page)}`);
    events += page.events.length;
    messages += page.events.filter((e) => e.kind === "message").length;
    if (!page.more) break;
    after = page.events.at(-1)!.seq;
  }
  close([poster!, ...users]);
  return {
    seconds: duration,
    joinsAndLeaves: count(users, "subscribed") + count(users, "unsubscribed"),
    refused: count(users, "rate_limited"),
    messagesInHistory: messages,
    eventsInHistory: events,
    rssPeakMiB: mb(server.peak),
  };
}

// -------------------------------------------------------------- helpers --

/** Runs `step` for each user `rate` times a second for `duration` seconds. */
async function paced(
  users: User[],
  rate: number,
  duration: number,
  step: (user: User, index: number) => void,
): Promise<void> {
  const start = performance.now();
  const interval = 1000 / (rate * PACE);
  let done = 0;
  const end = start + duration * 1000;
  while (performance.now() < end) {
    // Catch up with the schedule: as many steps as are due now.
    const due = Math.floor((performance.now() - start) / interval) + 1;
    for (; done < due; done++) users.forEach(step);
    await Bun.sleep(Math.max(0, start + done * interval - performance.now()));
  }
}

/** Waits until every request sent has its reply. */
async function settle(users: User[]): Promise<void> {
  while (users.some((u) => u.replies < u.requests)) await Bun.sleep(20);
}

function count(users: User[], type: string): number {
  return users.reduce((sum, u) => sum + (u.counts.get(type) ?? 0), 0);
}

function close(users: User[]): void {
  for (const u of users) u.close();
}

function mb(bytes: number): number {
  return Math.round((bytes / MiB) * 10) / 10;
}

interface Server {
  port: number;
  rss(): number;
  /** Highest RSS sampled so far. */
  peak: number;
}

/** A fresh `scalar server` process with default limits, stopped afterwards. */
async function withServer<T>(run: (server: Server) => Promise<T>): Promise<T> {
  const root = resolve(import.meta.dir, "..");
  const child: Subprocess<"ignore", "pipe", "ignore"> = Bun.spawn(
    [process.execPath, "src/cli.ts", "server", "--host", "127.0.0.1", "--port", "0"],
    { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "ignore" },
  );
  const reader = child.stdout.getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server exited before listening");
    line += new TextDecoder().decode(value);
  }
  const port = Number(/listening on [^:]+:(\d+)/.exec(line)?.[1]);
  const rss = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  };
  const server: Server = { port, rss, peak: rss() };
  const sampler = setInterval(() => {
    server.peak = Math.max(server.peak, rss());
  }, 100);
  try {
    return await run(server);
  } finally {
    clearInterval(sampler);
    child.kill("SIGTERM");
    await child.exited;
  }
}

interface User {
  requests: number;
  replies: number;
  counts: Map<string, number>;
  send(...messages: Outgoing[]): void;
  request(message: Outgoing): Promise<ServerFrame>;
  close(): void;
}

async function connectAll(port: number, prefix: string, n = USERS): Promise<User[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => connect(port, `${prefix}${i}`)));
}

/** A bare client: counts replies by type, answers pings, ignores events. */
async function connect(port: number, id: string): Promise<User> {
  const waiting = new Map<string, (frame: ServerFrame) => void>();
  let refs = 0;
  const link = await connectFrames("127.0.0.1", port, (frame) => {
    user.replies++;
    const type = frame.type === "error" ? frame.code : frame.type;
    user.counts.set(type, (user.counts.get(type) ?? 0) + 1);
    const ref = (frame as { ref?: unknown }).ref;
    if (typeof ref === "string") {
      waiting.get(ref)?.(frame);
      waiting.delete(ref);
    }
  });
  const user: User = {
    requests: 0,
    replies: 0,
    counts: new Map(),
    send(...messages) {
      user.requests += messages.length;
      link.write(Buffer.concat(messages.map((m) => encodeMessageFrame(m))));
    },
    request(message) {
      const ref = `r${++refs}`;
      return new Promise((resolve) => {
        waiting.set(ref, resolve);
        user.send({ ...message, ref });
      });
    },
    close: () => link.end(),
  };
  const welcome = await user.request({ type: "identify", id });
  if (welcome.type !== "welcome") throw new Error(`identify ${id}: ${JSON.stringify(welcome)}`);
  return user;
}
