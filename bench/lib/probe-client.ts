/**
 * A bare client for the hostile-load probes: frames requests, matches
 * replies by `ref`, answers pings, and can stop reading altogether (as an
 * attacker that never reads does), leaving the kernel's buffers to fill.
 */
import type { Socket } from "bun";
import {
  decodeServerFrame,
  encodeMessageFrame,
  FrameDecoder,
  type Outgoing,
  type ServerFrame,
} from "../../src/protocol/index.ts";

export interface ProbeClient {
  /** Sends a request and resolves with its reply. */
  request(message: Outgoing): Promise<ServerFrame>;
  /** Queues bytes; resolves once the kernel took them all. */
  write(bytes: Uint8Array): Promise<void>;
  /** Stops reading: the server's output to it backs up. */
  stopReading(): void;
  /** Every `event` frame, as it arrives. */
  onEvent: ((frame: ServerFrame) => void) | undefined;
  /** Resolves with the fatal error (or undefined) once the connection closed. */
  readonly closed: Promise<ServerFrame | undefined>;
  close(): void;
}

let refs = 0;

export async function connectProbe(port: number, id?: string): Promise<ProbeClient> {
  const decoder = new FrameDecoder();
  const waiting = new Map<number | string, (frame: ServerFrame) => void>();
  let unsent: Uint8Array | undefined;
  let drained: (() => void) | undefined;
  let fatal: ServerFrame | undefined;
  let closedResolve: (frame: ServerFrame | undefined) => void = () => {};
  const closed = new Promise<ServerFrame | undefined>((resolve) => {
    closedResolve = resolve;
  });
  let socket: Socket<undefined>;
  const flush = () => {
    if (unsent === undefined) return;
    const taken = socket.write(unsent);
    unsent = taken < 0 || taken >= unsent.length ? undefined : unsent.subarray(taken);
    if (unsent === undefined) drained?.();
  };
  const client: ProbeClient = {
    onEvent: undefined,
    closed,
    request(message) {
      const ref = `p${++refs}`;
      return new Promise<ServerFrame>((resolve) => {
        waiting.set(ref, resolve);
        void client.write(encodeMessageFrame({ ...message, ref }));
      });
    },
    write(bytes) {
      unsent = unsent === undefined ? bytes : Buffer.concat([unsent, bytes]);
      flush();
      if (unsent === undefined) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drained = resolve;
      });
    },
    stopReading: () => socket.pause(),
    close: () => socket.end(),
  };
  socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      drain: flush,
      data(_socket, chunk) {
        decoder.push(chunk, (payload) => {
          const frame = decodeServerFrame(payload);
          if (frame.type === "event") {
            client.onEvent?.(frame);
          } else if (frame.type === "ping") {
            void client.write(encodeMessageFrame({ type: "pong", at: frame.at }));
          } else if (frame.type === "error" && frame.fatal) {
            fatal = frame;
          } else {
            const ref = (frame as { ref?: number | string }).ref;
            const resolve = ref === undefined ? undefined : waiting.get(ref);
            if (resolve !== undefined) {
              waiting.delete(ref!);
              resolve(frame);
            }
          }
        });
      },
      close: () => closedResolve(fatal),
      error: () => closedResolve(fatal),
    },
  });
  socket.setNoDelay(true);
  if (id !== undefined) {
    const welcome = await client.request({ type: "identify", id });
    if (welcome.type !== "welcome") throw new Error(`identify ${id}: ${JSON.stringify(welcome)}`);
  }
  return client;
}
