/**
 * A server that keeps history in memory restarted under a logger bot: its
 * topics count from seq 1 again in a new epoch. Every message of both runs
 * is logged once with its epoch, and a reset marker stands between them.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import { createLogger, topicFolder } from "../../src/plugins/logger.ts";
import { type RunningServer, silentLogger, startServer } from "../../src/server/index.ts";
import { record } from "../bot/helpers.ts";
import { faultyFs } from "./faulty-fs.ts";

const GENERAL = "#general@localhost";
const servers: RunningServer[] = [];
const bots: Bot[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const serve = async (port = 0) => {
  const server = await startServer({
    port,
    log: silentLogger,
    history: "memory",
    rate: 1000,
    burst: 1000,
  });
  servers.push(server);
  return server;
};

async function restart(server: RunningServer): Promise<RunningServer> {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
  return serve(server.port);
}

interface Line {
  topic: string;
  epoch?: string;
  seq?: number;
  kind?: string;
  from?: string;
  body?: string;
  reset?: { previousEpoch?: string; epoch?: string; lastSeq: number };
}

function logged(dir: string): Line[] {
  const folder = join(dir, topicFolder(GENERAL));
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) =>
    readFileSync(join(folder, name), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Line),
  );
}

const bodies = (lines: Line[]) => lines.filter((l) => l.kind === "message").map((l) => l.body);

function bot(id: string, port: number, cursors = new MemoryCursorStore()) {
  const b = new Bot({
    id,
    topics: ["#general"],
    dialer: tcpDialer("127.0.0.1", port),
    cursors,
    reconnect: { initial: 1, max: 5, jitter: 0 },
  });
  b.catch(() => {});
  bots.push(b);
  return b;
}

/** Sends `count` messages as the publisher, each acknowledged. */
async function say(publisher: Bot, prefix: string, count: number): Promise<string[]> {
  const said: string[] = [];
  for (let i = 0; i < count; i++) {
    await publisher.send("#general", `${prefix}${i}`);
    said.push(`${prefix}${i}`);
  }
  return said;
}

/** Each epoch's seqs in file order: counts from 1 up, strictly. */
function expectNumbering(lines: Line[], epoch: string) {
  const seqs = lines.filter((l) => l.epoch === epoch && l.seq !== undefined).map((l) => l.seq!);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  return seqs;
}

test("a memory-history server restarted under a running logger bot: both runs logged once, a reset marker between", async () => {
  let server = await serve();
  const dir = mkdtempSync(join(tmpdir(), "scalar-logger-reset-"));
  const logbot = bot("logbot@localhost", server.port);
  await logbot.install(createLogger(), { dir });
  const rec = record(logbot);
  const publisher = bot("alice@localhost", server.port);
  logbot.start();
  publisher.start();
  await rec.until(() => rec.seen.some((s) => s.type === "event" && s.from === "alice@localhost"));
  const first = await say(publisher, "before ", 5);
  await rec.until(() => bodies(logged(dir)).length === 5);

  server = await restart(server);
  const second = await say(publisher, "after ", 5);
  await rec.until(() => bodies(logged(dir)).length === 10);
  await logbot.idle();

  const lines = logged(dir);
  expect(bodies(lines)).toEqual([...first, ...second]);
  const resets = lines.filter((l) => l.reset !== undefined);
  expect(resets).toHaveLength(1);
  const marker = lines.indexOf(resets[0]!);
  const before = lines.slice(0, marker);
  const after = lines.slice(marker + 1);
  const [oldEpoch] = new Set(before.map((l) => l.epoch));
  const [newEpoch] = new Set(after.map((l) => l.epoch));
  expect(new Set(before.map((l) => l.epoch)).size).toBe(1);
  expect(new Set(after.map((l) => l.epoch)).size).toBe(1);
  expect(oldEpoch).toBeString();
  expect(newEpoch).toBeString();
  expect(newEpoch).not.toBe(oldEpoch);
  expect(resets[0]!.reset).toEqual({
    previousEpoch: oldEpoch!,
    epoch: newEpoch!,
    lastSeq: before.at(-1)!.seq!,
  });
  expect(bodies(before)).toEqual(first);
  expect(bodies(after)).toEqual(second);
  // The new epoch is logged from its seq 1: the joins of the second run too.
  expect(expectNumbering(lines, newEpoch!)[0]).toBe(1);
  expectNumbering(lines, oldEpoch!);
  expect(after.filter((l) => l.kind === "join").map((l) => l.from)).toContain("logbot@localhost");
});

test("a restart while the logger bot was down: the next start reads back the old epoch and writes the marker once", async () => {
  let server = await serve();
  const dir = mkdtempSync(join(tmpdir(), "scalar-logger-reset-"));
  const cursors = new MemoryCursorStore();
  const logbot = bot("logbot@localhost", server.port, cursors);
  await logbot.install(createLogger(), { dir });
  const rec = record(logbot);
  const publisher = bot("alice@localhost", server.port);
  logbot.start();
  publisher.start();
  await rec.until(() => rec.seen.some((s) => s.type === "event" && s.from === "alice@localhost"));
  const first = await say(publisher, "before ", 3);
  await rec.until(() => bodies(logged(dir)).length === 3);
  await logbot.stop();

  server = await restart(server);
  const second = await say(publisher, "after ", 3);
  const again = bot("logbot@localhost", server.port, cursors);
  await again.install(createLogger(), { dir });
  const rec2 = record(again);
  again.start();
  await rec2.until(() => bodies(logged(dir)).length === 6);
  await again.idle();

  const lines = logged(dir);
  expect(bodies(lines)).toEqual([...first, ...second]);
  expect(lines.filter((l) => l.reset !== undefined)).toHaveLength(1);
  const marker = lines.findIndex((l) => l.reset !== undefined);
  expect(bodies(lines.slice(marker + 1))).toEqual(second);
  expect(lines[marker + 1]!.seq).toBe(1);
});

test("a reset marker whose write fails is written once, when the bot rewinds and the reset comes again", async () => {
  let server = await serve();
  const dir = mkdtempSync(join(tmpdir(), "scalar-logger-reset-"));
  const faulty = faultyFs();
  const logbot = bot("logbot@localhost", server.port);
  await logbot.install(createLogger({ fs: faulty.fs }), { dir });
  const rec = record(logbot);
  const resets: string[] = [];
  logbot.on("reset", (ctx) => {
    resets.push(`${ctx.previousEpoch} -> ${ctx.epoch}`);
  });
  const publisher = bot("alice@localhost", server.port);
  logbot.start();
  publisher.start();
  await rec.until(() => rec.seen.some((s) => s.type === "event" && s.from === "alice@localhost"));
  const first = await say(publisher, "before ", 3);
  await rec.until(() => bodies(logged(dir)).length === 3);

  faulty.fullFor = 1;
  faulty.fullWhen = (line) => line.includes('"reset":');
  server = await restart(server);
  const second = await say(publisher, "after ", 3);
  await rec.until(() => bodies(logged(dir)).length === 6);
  await logbot.idle();

  expect(faulty.thrown.write).toBe(1);
  // Announced twice (the failed checkpoint kept the old epoch's cursor), written once.
  expect(resets).toHaveLength(2);
  expect(resets[1]).toBe(resets[0]!);
  const lines = logged(dir);
  expect(lines.filter((l) => l.reset !== undefined)).toHaveLength(1);
  expect(bodies(lines)).toEqual([...first, ...second]);
  const marker = lines.findIndex((l) => l.reset !== undefined);
  expect(lines[marker + 1]!.seq).toBe(1);
  expectNumbering(lines, lines[marker + 1]!.epoch!);
});
