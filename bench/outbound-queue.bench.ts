/**
 * A connection's outbound queue alone (outbound-queue.ts): pushing event
 * frames and flushing them to a socket, the server's write path per
 * delivery. Frames are 150-byte events laid out back to back in 64 KiB
 * arenas, as wire.ts writes them; the socket takes what it is given,
 * copies nothing and counts bytes.
 *
 *   bun bench/outbound-queue.bench.ts [--root DIR]   (DIR: another checkout's root)
 *
 *   joined      1,000 queues × 200 frames of one arena: one slice, one write each
 *   gathered    1,000 queues × 100 frames, every other frame of the arena: the
 *               slices do not join and are gathered into the shared scratch
 *   blocked     100 queues whose socket takes 16 KiB a flush: 200 frames pushed
 *               while blocked, then drained in full
 *
 * Prints ns per delivery (one frame pushed and written) for each row.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { bench, do_not_optimize, run } from "mitata";

const { values: args } = parseArgs({
  options: { root: { type: "string", default: resolve(import.meta.dir, "..") } },
});
const { OutboundQueue } = (await import(
  resolve(args.root, "src/server/outbound-queue.ts")
)) as typeof import("../src/server/outbound-queue.ts");

const FRAME = 150;
const ARENA = 64 * 1024;

/** Arenas holding `frames` event frames of FRAME bytes back to back (length prefix set). */
function arenas(frames: number): { buffer: Uint8Array; start: number }[] {
  const out: { buffer: Uint8Array; start: number }[] = [];
  let arena = new Uint8Array(ARENA);
  let pos = 0;
  for (let i = 0; i < frames; i++) {
    if (ARENA - pos < FRAME) {
      arena = new Uint8Array(ARENA);
      pos = 0;
    }
    arena[pos] = (FRAME - 2) & 0xff;
    arena[pos + 1] = (FRAME - 2) >> 8;
    out.push({ buffer: arena, start: pos });
    pos += FRAME;
  }
  return out;
}

/** A socket that takes up to `room` bytes a write (all by default) and keeps nothing. */
class Sink {
  taken = 0;
  constructor(public room = Number.MAX_SAFE_INTEGER) {}
  write(data: Uint8Array, offset = 0, length = data.length - offset): number {
    do_not_optimize(data);
    const n = Math.min(length, this.room);
    this.taken += n;
    return n;
  }
}

const deliveries = new Map<string, number>();

function row(name: string, count: number, fn: () => void): void {
  deliveries.set(name, count);
  bench(name, fn);
}

{
  const frames = arenas(200);
  const queues = Array.from({ length: 1000 }, () => new OutboundQueue());
  const sink = new Sink();
  row("joined: 1,000 queues × 200 frames", 1000 * 200, () => {
    for (const f of frames) for (const q of queues) q.push(f.buffer, f.start, f.start + FRAME);
    for (const q of queues) q.flush(sink);
  });
}

{
  const frames = arenas(200).filter((_, i) => i % 2 === 0);
  const queues = Array.from({ length: 1000 }, () => new OutboundQueue());
  const sink = new Sink();
  row("gathered: 1,000 queues × 100 frames apart", 1000 * 100, () => {
    for (const f of frames) for (const q of queues) q.push(f.buffer, f.start, f.start + FRAME);
    for (const q of queues) q.flush(sink);
  });
}

{
  const first = arenas(200);
  const later = arenas(200);
  const queues = Array.from({ length: 100 }, () => new OutboundQueue());
  const slow = new Sink(16 * 1024);
  const fast = new Sink();
  row("blocked: 100 queues × 400 frames, half pushed while blocked", 100 * 400, () => {
    for (const f of first) for (const q of queues) q.push(f.buffer, f.start, f.start + FRAME);
    for (const q of queues) q.flush(slow);
    for (const f of later) for (const q of queues) q.push(f.buffer, f.start, f.start + FRAME);
    for (const q of queues) q.drained(fast);
  });
}

const { benchmarks } = await run();
console.log(`\n${"row".padEnd(58)} ${"ns/delivery".padStart(12)}`);
for (const trial of benchmarks) {
  const stats = trial.runs[0]?.stats;
  if (stats === undefined) continue;
  const perDelivery = stats.avg / deliveries.get(trial.alias)!;
  console.log(`${trial.alias.padEnd(58)} ${perDelivery.toFixed(2).padStart(12)}`);
}
