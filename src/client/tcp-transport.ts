import type { Socket } from "bun";
import { ConnectError } from "./errors.ts";
import type { Dialer, Transport, TransportEvents } from "./transport.ts";

/** Bytes queued for a slow peer before the link is considered broken. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

interface SocketState {
  queue: Uint8Array[];
  queued: number;
  events: TransportEvents;
  closed: boolean;
  error?: Error;
}

/**
 * A `Dialer` over `Bun.connect`. A fresh socket per dial; `write` keeps an
 * outbound queue because Bun's `socket.write` takes only what the kernel
 * accepts, resumed on `drain`.
 */
export function tcpDialer(host: string, port: number): Dialer {
  const address = `${host}:${port}`;
  return async (events: TransportEvents): Promise<Transport> => {
    const state: SocketState = { queue: [], queued: 0, events, closed: false };
    let socket: Socket<SocketState>;
    try {
      socket = await Bun.connect<SocketState>({
        hostname: host,
        port,
        data: state,
        socket: {
          data(s, chunk) {
            if (!s.data.closed) s.data.events.data(chunk);
          },
          drain(s) {
            flush(s);
          },
          error(s, error) {
            s.data.error = error;
          },
          close(s) {
            finish(s.data);
          },
          // Bun calls this and also rejects the promise; the catch reports it.
          connectError() {},
        },
      });
    } catch (cause) {
      throw new ConnectError(address, cause);
    }
    // Chat frames are small and often answer one another: no Nagle delay.
    socket.setNoDelay(true);
    return {
      remote: address,
      write(bytes) {
        if (state.closed) return;
        if (state.queue.length === 0) {
          const written = socket.write(bytes);
          if (written === bytes.length) return;
          if (written < 0) return;
          state.queue.push(bytes.subarray(written));
          state.queued += bytes.length - written;
        } else {
          state.queue.push(bytes);
          state.queued += bytes.length;
        }
        if (state.queued > MAX_QUEUED_BYTES) {
          state.error = new Error(`peer ${address} is not reading (${state.queued} bytes queued)`);
          socket.terminate();
        }
      },
      close() {
        if (state.closed) return;
        if (state.queue.length === 0) socket.end();
        else socket.terminate();
      },
    };
  };
}

function flush(socket: Socket<SocketState>): void {
  const state = socket.data;
  while (state.queue.length > 0) {
    const head = state.queue[0]!;
    const written = socket.write(head);
    if (written < 0) return;
    state.queued -= Math.max(0, written);
    if (written < head.length) {
      state.queue[0] = head.subarray(written);
      return;
    }
    state.queue.shift();
  }
}

function finish(state: SocketState): void {
  if (state.closed) return;
  state.closed = true;
  state.queue = [];
  state.events.close(state.error);
}
