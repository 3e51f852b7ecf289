/**
 * Many identified connections for the hostile probes, from several
 * loopback addresses (127.0.0.2, 127.0.0.3, …: Linux routes all of
 * 127/8 to the loopback), so that a probe can open up to the server's
 * 10,000 connections without passing its 1,024 an address. Each answers
 * pings, counts the error codes it is sent, and hands every other frame to
 * `onFrame` if given.
 */
import net from "node:net";
import {
  type DateTime,
  decodeCbor,
  encodeMessageFrame,
  FrameDecoder,
} from "../../src/protocol/index.ts";

/** Connections opened from one address. */
export const PER_ADDRESS = 1000;

export type LoopFrame = { type: string; code?: string } & Record<string, unknown>;

export interface LoopClient {
  socket: net.Socket;
  localAddress: string;
  id: string;
  closed: Promise<void>;
  isClosed: boolean;
}

export interface LoopOptions {
  /** Error codes the server sent, counted (shared by many clients). */
  errors: Map<string, number>;
  onFrame?: (client: LoopClient, frame: LoopFrame) => void;
}

/** Connects from `localAddress` and identifies; resolves once `welcome` came. */
export function connectFrom(
  port: number,
  localAddress: string,
  id: string,
  options: LoopOptions,
): Promise<LoopClient> {
  return new Promise<LoopClient>((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    const decoder = new FrameDecoder();
    let closedResolve = () => {};
    const client: LoopClient = {
      socket,
      localAddress,
      id,
      isClosed: false,
      closed: new Promise<void>((r) => {
        closedResolve = r;
      }),
    };
    const { errors, onFrame } = options;
    socket.setNoDelay(true);
    socket.on("connect", () => socket.write(encodeMessageFrame({ type: "identify", id })));
    socket.on("data", (chunk: Buffer) => {
      decoder.push(new Uint8Array(chunk), (payload) => {
        const frame = decodeCbor(payload) as LoopFrame;
        if (frame.type === "welcome") resolve(client);
        else if (frame.type === "ping") {
          socket.write(encodeMessageFrame({ type: "pong", at: frame.at as DateTime }));
        } else {
          if (frame.type === "error") {
            errors.set(String(frame.code), (errors.get(String(frame.code)) ?? 0) + 1);
          }
          onFrame?.(client, frame);
        }
      });
    });
    socket.on("error", reject);
    socket.on("close", () => {
      client.isClosed = true;
      closedResolve();
      reject(new Error("closed before welcome"));
    });
  });
}

/** Opens `n` identified connections `${prefix}${i}`, PER_ADDRESS from each address, 200 at a time. */
export async function connectMany(
  port: number,
  n: number,
  prefix: string,
  options: LoopOptions,
): Promise<LoopClient[]> {
  const clients: LoopClient[] = [];
  for (let at = 0; at < n; at += 200) {
    const batch = Array.from({ length: Math.min(200, n - at) }, (_, k) => {
      const i = at + k;
      const from = `127.0.0.${2 + Math.floor(i / PER_ADDRESS)}`;
      return connectFrom(port, from, `${prefix}${i}`, options);
    });
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}
