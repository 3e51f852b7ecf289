import { ConnectError } from "./errors.ts";
import type { Dialer, Transport, TransportEvents } from "./transport.ts";

/** The server side of an in-memory connection. */
export interface MemoryPeer {
  write(bytes: Uint8Array): void;
  close(): void;
  readonly closed: boolean;
  onData: (chunk: Uint8Array) => void;
  onClose: () => void;
}

/**
 * An in-memory network: `dialer` opens client transports whose other end is
 * handed to `accept`. Bytes are delivered on a microtask, in order, as a
 * socket would (never re-entrantly inside `write`).
 */
export class MemoryNetwork {
  /** While set, dials fail with this OS-style error code. */
  refuse: string | undefined;
  dials = 0;

  constructor(
    private readonly accept: (peer: MemoryPeer) => void,
    readonly address = "memory:7667",
  ) {}

  readonly dialer: Dialer = async (events: TransportEvents): Promise<Transport> => {
    this.dials++;
    if (this.refuse !== undefined) {
      const error = Object.assign(new Error(`connect ${this.refuse} ${this.address}`), {
        code: this.refuse,
      });
      throw new ConnectError(this.address, error);
    }
    let closed = false;
    const peer: MemoryPeer = {
      onData: () => {},
      onClose: () => {},
      get closed() {
        return closed;
      },
      write(bytes) {
        if (closed) return;
        const copy = bytes.slice();
        queueMicrotask(() => {
          if (!closed) events.data(copy);
        });
      },
      close: () => shut(),
    };
    const shut = () => {
      if (closed) return;
      // Let bytes already written reach the other side first, as end() does.
      queueMicrotask(() => {
        if (closed) return;
        closed = true;
        peer.onClose();
        events.close();
      });
    };
    const transport: Transport = {
      remote: this.address,
      write(bytes) {
        if (closed) return;
        const copy = bytes.slice();
        queueMicrotask(() => {
          if (!closed) peer.onData(copy);
        });
      },
      close: shut,
    };
    this.accept(peer);
    return transport;
  };
}
