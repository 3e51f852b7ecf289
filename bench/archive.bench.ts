/**
 * The archive at size: 1,000,000 events over 30 channels (one day of one
 * channel with 10,000 lines), written as the logger writes them, then
 *   - indexing them all (`scalar logs reindex`), events/s, and the index's
 *     size per event;
 *   - word searches, p50/p99: in-process `search()` and `GET /api/search`
 *     (newest first, and best match), for words common, middling and rare
 *     and two-word queries;
 *   - the 10,000-line day page over HTTP, p50/p99;
 *   - grep over the same files for the same words, the baseline;
 *   - the logger's throughput with its index (checkpoints of 100 events:
 *     fsync, then the index), and without it.
 *
 *   bun bench/archive.bench.ts [--events 1000000] [--channels 30] [--days 30] [--queries 100]
 */

import { Database } from "bun:sqlite";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  Archive,
  ArchiveIndexer,
  indexPath,
  parseQuery,
  search,
  topicFolder,
} from "../src/archive/index.ts";
import { createArchiveApp } from "../src/archive/web/app.ts";
import { JsonlLog } from "../src/plugins/logger.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    channels: { type: "string", default: "30" },
    days: { type: "string", default: "30" },
    queries: { type: "string", default: "100" },
    logger: { type: "string", default: "200000" },
  },
});
const EVENTS = Number(values.events);
const CHANNELS = Number(values.channels);
const DAYS = Number(values.days);
const QUERIES = Number(values.queries);
const LOGGER_EVENTS = Number(values.logger);
const BIG_DAY = 10_000;

// A vocabulary with a Zipf-like spread: word i appears about 1/(i+1) as often as word 0.
const VOCABULARY = Array.from({ length: 5000 }, (_, i) => word(i));
function word(i: number): string {
  const syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "po", "fa", "gu"];
  let s = "";
  let n = i + 7;
  do {
    s += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  } while (n > 0);
  return s;
}
let seed = 20261201;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const harmonic = VOCABULARY.reduce((h, _, i) => h + 1 / (i + 1), 0);
function zipf(): string {
  let u = random() * harmonic;
  for (let i = 0; i < VOCABULARY.length; i++) {
    u -= 1 / (i + 1);
    if (u <= 0) return VOCABULARY[i]!;
  }
  return VOCABULARY.at(-1)!;
}
function body(): string {
  const n = 6 + Math.floor(random() * 10);
  return Array.from({ length: n }, zipf).join(" ");
}

const dir = mkdtempSync(join(tmpdir(), "scalarbot-archive-bench-"));
const archiveDir = join(dir, "logs");
const channel = (c: number) => `#chan${String(c).padStart(2, "0")}@localhost`;
const start = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;

function ms(t: number): string {
  return t.toFixed(1);
}
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
function report(name: string, times: number[]): void {
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `${name.padEnd(52)} p50 ${ms(quantile(sorted, 0.5)).padStart(7)} ms   p99 ${ms(quantile(sorted, 0.99)).padStart(7)} ms   (${times.length} runs)`,
  );
}

// 1. The files, written as the logger writes them (one JSON object a line).
console.log(
  `building ${EVENTS.toLocaleString("en-US")} events over ${CHANNELS} channels and ${DAYS} days in ${archiveDir}`,
);
let built = performance.now();
const perChannel = Math.floor(EVENTS / CHANNELS);
let bytes = 0;
for (let c = 0; c < CHANNELS; c++) {
  const topic = channel(c);
  const folder = join(archiveDir, topicFolder(topic));
  mkdirSync(folder, { recursive: true });
  // Channel 0 has one day of BIG_DAY lines (day 15); the rest spread evenly.
  const plan: number[] = Array.from({ length: DAYS }, () => 0);
  let left = perChannel;
  if (c === 0) {
    plan[15] = BIG_DAY;
    left -= BIG_DAY;
  }
  for (let d = 0; d < DAYS; d++) plan[d]! += Math.floor(left / DAYS) + (d < left % DAYS ? 1 : 0);
  let seq = 0;
  for (let d = 0; d < DAYS; d++) {
    const day = new Date(start + d * DAY_MS).toISOString().slice(0, 10);
    const fd = openSync(join(folder, `${day}.jsonl`), "w");
    let chunk: string[] = [];
    for (let i = 0; i < plan[d]!; i++) {
      seq++;
      const at = new Date(
        start + d * DAY_MS + Math.floor((i / plan[d]!) * (DAY_MS - 1000)),
      ).toISOString();
      const from = `user${Math.floor(random() * 200)}@localhost`;
      chunk.push(
        JSON.stringify({ topic, epoch: "bench", seq, at, from, kind: "message", body: body() }),
      );
      if (chunk.length === 5000) {
        const text = `${chunk.join("\n")}\n`;
        bytes += Buffer.byteLength(text);
        writeSync(fd, text);
        chunk = [];
      }
    }
    if (chunk.length > 0) {
      const text = `${chunk.join("\n")}\n`;
      bytes += Buffer.byteLength(text);
      writeSync(fd, text);
    }
    closeSync(fd);
  }
}
built = performance.now() - built;
const total = perChannel * CHANNELS;
console.log(
  `files: ${(bytes / 1e6).toFixed(1)} MB, ${(bytes / total).toFixed(0)} bytes an event (written in ${(built / 1000).toFixed(1)} s)`,
);

// 2. The index, as `scalar logs reindex` builds it.
let indexing = performance.now();
const indexer = new ArchiveIndexer(archiveDir);
const { events: indexed } = indexer.reconcile();
indexer.close();
indexing = performance.now() - indexing;
const indexBytes =
  statSync(indexPath(archiveDir)).size +
  (statSync(`${indexPath(archiveDir)}-wal`, { throwIfNoEntry: false })?.size ?? 0);
console.log(
  `index: ${indexed.toLocaleString("en-US")} events in ${(indexing / 1000).toFixed(1)} s = ${Math.round(indexed / (indexing / 1000)).toLocaleString("en-US")} events/s; ${(indexBytes / 1e6).toFixed(1)} MB = ${(indexBytes / indexed).toFixed(0)} bytes an event (${(indexBytes / bytes).toFixed(2)}× the files)`,
);

// 3. Word searches.
const common = VOCABULARY.slice(0, 5);
const middling = VOCABULARY.slice(100, 105);
const rare = VOCABULARY.slice(3000, 3005);
const pairs = [0, 1, 2, 3, 4].map((i) => `${VOCABULARY[i]} ${VOCABULARY[50 + i]}`);
// How often each group's words are, as the index counts them.
const counter = new Database(indexPath(archiveDir), { readonly: true });
const share = (words: string[]) => {
  const n = words.map(
    (w) =>
      (
        counter
          .query("SELECT count(*) AS n FROM words WHERE words MATCH ?")
          .get(`"${w.split(" ").join('" "')}"`) as { n: number }
      ).n,
  );
  const pct = (100 * n.reduce((a, b) => a + b, 0)) / n.length / indexed;
  return pct >= 1
    ? `${pct.toFixed(0)}%`
    : pct >= 0.01
      ? `${pct.toFixed(2)}%`
      : `${pct.toFixed(4)}%`;
};
const groups: [string, string[]][] = (
  [
    ["common words", common],
    ["middling words", middling],
    ["rare words", rare],
    ["two words", pairs],
  ] as [string, string[]][]
).map(([name, words]) => [`${name} (in ${share(words)} of events)`, words]);
counter.close();
const archive = new Archive(archiveDir);
const chan5 = [channel(5)];
for (const sort of ["newest", "rank"] as const) {
  for (const [name, words] of groups) {
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = parseQuery(words[i % words.length]!);
      const t = performance.now();
      search(archive, { query: q, limit: 50, sort });
      times.push(performance.now() - t);
    }
    report(`search() ${sort}, ${name}`, times);
  }
}
{
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    search(archive, { query: parseQuery(common[i % 5]!), topics: chan5, from: "user7", limit: 50 });
    times.push(performance.now() - t);
  }
  report("search() newest, common word, one channel and sender", times);
}
{
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    search(archive, { query: parseQuery(VOCABULARY[i % 50]!.slice(1, 4), true), limit: 50 });
    times.push(performance.now() - t);
  }
  report("search() newest, substring of 3 letters", times);
}
archive.close();

// 4. Over HTTP: /api/search and the 10,000-line day page.
const app = createArchiveApp({ dir: archiveDir });
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => app.fetch(r) });
const base = `http://127.0.0.1:${server.port}`;
for (const [name, words] of groups) {
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    const response = await fetch(
      `${base}/api/search?q=${encodeURIComponent(words[i % words.length]!)}&limit=50`,
    );
    await response.arrayBuffer();
    times.push(performance.now() - t);
  }
  report(`GET /api/search, ${name}`, times);
}
const bigDay = new Date(start + 15 * DAY_MS).toISOString().slice(0, 10);
{
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const response = await fetch(`${base}/chan00@localhost/${bigDay}`);
    size = (await response.arrayBuffer()).byteLength;
    times.push(performance.now() - t);
  }
  report(
    `GET a day page of ${perChannel > BIG_DAY ? BIG_DAY + Math.floor((perChannel - BIG_DAY) / DAYS) : BIG_DAY} lines (${(size / 1e6).toFixed(1)} MB of HTML)`,
    times,
  );
}
app.close();
await server.stop(true);

// 5. The baseline: grep over the same files, for the same words.
for (const [name, words] of groups) {
  const times: number[] = [];
  for (let i = 0; i < Math.min(10, QUERIES); i++) {
    const w = words[i % words.length]!.split(" ");
    const t = performance.now();
    // -w words, -i case: the nearest grep gets to a word search (pairs: both words, any order, via a second grep).
    const cmd =
      w.length === 1
        ? ["grep", "-r", "-h", "-i", "-w", w[0]!, archiveDir]
        : ["sh", "-c", `grep -r -h -i -w ${w[0]} ${archiveDir} | grep -i -w ${w[1]}`];
    const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "ignore" });
    await new Response(proc.stdout).arrayBuffer();
    await proc.exited;
    times.push(performance.now() - t);
  }
  report(`grep -r -i -w, ${name}`, times);
}

// 6. The logger with its index: events round-robin over 1 or 30 topics, a checkpoint
// (fsync of every file written, then the index) every 100 or 1000 events.
for (const [topics, burst] of [
  [1, 100],
  [30, 100],
  [30, 1000],
] as const) {
  for (const index of [true, false]) {
    const logDir = join(dir, `logger-${topics}-${burst}-${index ? "index" : "plain"}`);
    const log = new JsonlLog(logDir, { index });
    const seqs = new Array<number>(topics).fill(0);
    const bodies = Array.from({ length: 1000 }, body);
    const t = performance.now();
    for (let i = 0; i < LOGGER_EVENTS; i++) {
      const c = i % topics;
      log.event({
        topic: channel(c),
        epoch: "bench",
        seq: ++seqs[c]!,
        at: new Date(start + i),
        from: "user1@localhost",
        kind: "message",
        body: bodies[i % 1000]!,
        contentType: undefined,
        replayed: false,
      });
      if (i % burst === burst - 1) log.sync();
    }
    log.sync();
    log.close();
    const seconds = (performance.now() - t) / 1000;
    const rate = Math.round(LOGGER_EVENTS / seconds).toLocaleString("en-US");
    console.log(
      `logger ${index ? "with its index" : "without an index"}, ${topics} topic${topics === 1 ? "" : "s"}, a checkpoint every ${burst}: ${rate} events/s`,
    );
    rmSync(logDir, { recursive: true, force: true });
  }
}

rmSync(dir, { recursive: true, force: true });
