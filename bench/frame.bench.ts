/**
 * The frame decoder alone (no CBOR): MB/s of frames reassembled from a
 * byte stream cut the ways a socket cuts it.
 *
 *   bun bench/frame.bench.ts
 *
 *   whole      100 frames of 300 bytes in one chunk (the common case)
 *   mss        300-byte frames in chunks of 1,460 bytes (frames straddle reads)
 *   large      16 KiB frames in chunks of 1,460 bytes (a frame over 12 reads)
 *   trickle    16 KiB frames in chunks of 64 bytes (a slow sender)
 *
 * Each row feeds the same 1 MiB-ish stream; MB/s counts its bytes.
 */
import { bench, do_not_optimize, run } from "mitata";
import { encodeFrame, FrameDecoder, MAX_PAYLOAD } from "../src/protocol/index.ts";

function stream(payloadBytes: number, frames: number): Uint8Array {
  const payload = new Uint8Array(payloadBytes).fill(0x61);
  const frame = encodeFrame(payload);
  const out = new Uint8Array(frame.length * frames);
  for (let i = 0; i < frames; i++) out.set(frame, i * frame.length);
  return out;
}

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

const small = stream(298, 3500);
const large = stream(MAX_PAYLOAD, 64);
const cases: [string, Uint8Array[]][] = [
  ["whole: 300-byte frames, 100 a chunk", chunks(small, 300 * 100)],
  ["mss: 300-byte frames, 1460-byte chunks", chunks(small, 1460)],
  ["large: 16 KiB frames, 1460-byte chunks", chunks(large, 1460)],
  ["trickle: 16 KiB frames, 64-byte chunks", chunks(large, 64)],
];

let frames = 0;
const onFrame = (payload: Uint8Array) => {
  frames += payload.length > 0 ? 1 : 0;
  do_not_optimize(payload);
};
const bytesOf = new Map<string, number>();
for (const [name, parts] of cases) {
  bytesOf.set(
    name,
    parts.reduce((n, p) => n + p.length, 0),
  );
  const decoder = new FrameDecoder();
  bench(name, () => {
    for (const part of parts) decoder.push(part, onFrame);
  });
}

const { benchmarks } = await run();
console.log(`\n${"stream".padEnd(42)} ${"MB/s".padStart(8)}`);
for (const trial of benchmarks) {
  const stats = trial.runs[0]?.stats;
  const bytes = bytesOf.get(trial.alias);
  if (stats === undefined || bytes === undefined) continue;
  console.log(`${trial.alias.padEnd(42)} ${((bytes * 1e3) / stats.avg).toFixed(0).padStart(8)}`);
}
if (frames === 0) throw new Error("no frame was decoded");
