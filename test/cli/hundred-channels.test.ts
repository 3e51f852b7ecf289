/**
 * A logger bot with as many channels as a default server allows: its
 * reconnect burst (a subscribe and a history page each) must not trip flood
 * protection, and across a SIGKILL and a restart every message of every
 * channel is logged exactly once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import { readLog, type Spawned, spawnCli, startServerProcess, whenFiles } from "./processes.ts";

const CHANNELS = Array.from({ length: 100 }, (_, i) => `#c${String(i).padStart(3, "0")}`);
const PUBLISHERS = 4;

let server: { spawned: Spawned; host: string; port: number };
const cleanup: (() => unknown)[] = [];

beforeAll(async () => {
  // Default limits: 100 subscriptions, 20 messages a second per connection.
  server = await startServerProcess();
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  server.spawned.proc.kill();
  await server.spawned.proc.exited;
});

/** Publishers sharing the channels (each must be subscribed where it speaks). */
function publishers(): { bot: Bot; channels: string[] }[] {
  return Array.from({ length: PUBLISHERS }, (_, p) => {
    const channels = CHANNELS.filter((_, i) => i % PUBLISHERS === p);
    const bot = new Bot({
      id: `pub${p}@localhost`,
      topics: channels,
      dialer: tcpDialer(server.host, server.port),
      cursors: new MemoryCursorStore(),
    });
    cleanup.push(() => bot.stop());
    bot.start();
    return { bot, channels };
  });
}

test("100 channels on default limits: SIGKILL and restart log every message once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalar-hundred-"));
  const config = join(dir, "bots.yaml");
  writeFileSync(
    config,
    `server: { host: ${server.host}, port: ${server.port} }
bots:
  - id: archive@localhost
    topics: ${JSON.stringify(CHANNELS)}
    state: ./state
    reconnect: { initial: 0.02, max: 0.2 }
    plugins:
      - use: logger
        with: { dir: ./logs }
`,
  );
  const logs = join(dir, "logs");
  const folder = (channel: string) => `${channel}@localhost`;
  const acked = new Map<string, number[]>();
  const pubs = publishers();
  const round = async (label: string) => {
    await Promise.all(
      pubs.map(async ({ bot, channels }) => {
        for (const channel of channels) {
          const [sent] = await bot.send(channel, `${label} ${channel}`);
          acked.set(sent!.topic, [...(acked.get(sent!.topic) ?? []), sent!.seq]);
        }
      }),
    );
  };

  let run = spawnCli(["run", config]);
  await run.waitFor(/archive@localhost: connected/);
  // Its first cursor is its own join, logged in every channel.
  await whenFiles(
    logs,
    () => CHANNELS.every((c) => readLog(logs, folder(c)).some((l) => l.kind === "join")),
    20_000,
  );
  await round("before");
  run.proc.kill(9);
  await run.proc.exited;
  await round("while down");
  run = spawnCli(["run", config]);
  cleanup.push(async () => {
    run.proc.kill();
    await run.proc.exited;
  });
  await run.waitFor(/archive@localhost: connected/);
  await round("after");

  const lastAcked = (topic: string) => Math.max(...(acked.get(topic) ?? [0]));
  await whenFiles(
    logs,
    () =>
      [...acked.keys()].every((topic) =>
        readLog(logs, folder(topic.split("@")[0]!)).some((l) => (l.seq ?? 0) >= lastAcked(topic)),
      ),
    20_000,
  );
  run.proc.kill("SIGTERM");
  expect(await run.proc.exited).toBe(0);
  const output = run.lines.join("\n");
  expect(output).not.toContain("rate_limited");
  expect(output).not.toContain("cannot subscribe");

  for (const channel of CHANNELS) {
    const topic = `${channel}@localhost`;
    const lines = readLog(logs, folder(channel));
    expect(lines.filter((l) => l.gap !== undefined)).toEqual([]);
    const seqs = lines.map((l) => l.seq!);
    expect(new Set(seqs).size).toBe(seqs.length);
    const logged = new Set(seqs);
    expect((acked.get(topic) ?? []).filter((seq) => !logged.has(seq))).toEqual([]);
    expect(acked.get(topic)).toHaveLength(3);
  }
}, 60_000);
