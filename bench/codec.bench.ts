/**
 * Protocol codec throughput: frames/s and MB/s to encode and to decode
 * (frame decoder + strict CBOR decode + validation) a typical pushed `event`
 * with a 100-byte body and a typical `message` request.
 *
 *   bun bench/codec.bench.ts
 *
 * "x100" rows decode 100 frames that arrived in one read, the usual case
 * under load; figures are per frame. The cbor-x row is the lenient library
 * decoder, for reference: the price of strict decoding.
 */
import { decode as cborxDecode } from "cbor-x";
import { bench, do_not_optimize, group, run } from "mitata";
import {
  DateTime,
  decodeCbor,
  encodeMessageFrame,
  FrameDecoder,
  parseRequest,
  parseServerFrame,
  readEnvelope,
} from "../src/protocol/index.ts";

const body =
  "The quick brown fox jumps over the lazy dog; the five boxing wizards jump quickly. 0123456789abcdefg";
if (body.length !== 100) throw new Error(`body is ${body.length} bytes`);

const event = {
  type: "event",
  topic: "#general@example.com",
  seq: 123456,
  at: new DateTime(1700000123.456),
  from: "alice@example.com",
  kind: "message",
  body,
};
const message = { type: "message", to: "#general", body, ref: 4711 };

const eventFrame = encodeMessageFrame(event);
const messageFrame = encodeMessageFrame(message);
const BATCH = 100;
const batchOf = (frame: Uint8Array) => {
  const out = new Uint8Array(frame.length * BATCH);
  for (let i = 0; i < BATCH; i++) out.set(frame, i * frame.length);
  return out;
};
const eventBatch = batchOf(eventFrame);
const messageBatch = batchOf(messageFrame);

const decoder = new FrameDecoder();
const onEvent = (payload: Uint8Array) => do_not_optimize(parseServerFrame(decodeCbor(payload)));
const onRequest = (payload: Uint8Array) =>
  do_not_optimize(parseRequest(readEnvelope(decodeCbor(payload))));

/** Bench name -> [bytes a frame, frames an iteration]. */
const sizes = new Map<string, [number, number]>();
function measure(name: string, frameBytes: number, frames: number, fn: () => void): void {
  sizes.set(name, [frameBytes, frames]);
  bench(name, fn);
}

group(`event, ${eventFrame.length}-byte frame`, () => {
  measure("encode event", eventFrame.length, 1, () => do_not_optimize(encodeMessageFrame(event)));
  measure("decode+validate event", eventFrame.length, 1, () => decoder.push(eventFrame, onEvent));
  measure("decode+validate event x100", eventFrame.length, BATCH, () =>
    decoder.push(eventBatch, onEvent),
  );
  measure("cbor-x decode only (lenient, reference)", eventFrame.length, 1, () =>
    do_not_optimize(cborxDecode(eventFrame.subarray(2))),
  );
});

group(`message request, ${messageFrame.length}-byte frame`, () => {
  measure("encode message", messageFrame.length, 1, () =>
    do_not_optimize(encodeMessageFrame(message)),
  );
  measure("decode+validate message", messageFrame.length, 1, () =>
    decoder.push(messageFrame, onRequest),
  );
  measure("decode+validate message x100", messageFrame.length, BATCH, () =>
    decoder.push(messageBatch, onRequest),
  );
});

const { benchmarks } = await run();

console.log("\nper frame:");
console.log(`${"benchmark".padEnd(42)} ${"frames/s".padStart(12)} ${"MB/s".padStart(8)}`);
for (const trial of benchmarks) {
  const stats = trial.runs[0]?.stats;
  const size = sizes.get(trial.alias);
  if (stats === undefined || size === undefined) continue;
  const [frameBytes, frames] = size;
  const perSecond = (frames * 1e9) / stats.avg;
  const mbPerSecond = (perSecond * frameBytes) / 1e6;
  console.log(
    `${trial.alias.padEnd(42)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} ${mbPerSecond.toFixed(1).padStart(8)}`,
  );
}
