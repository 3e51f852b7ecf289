/**
 * A scripted Scalar server on a real socket (127.0.0.1, port 0) for the
 * ways a server can misbehave: each test says how every request is
 * answered — late, never, with the wrong `ref`, with repeats and reorders —
 * and pushes what it likes. The bot under test speaks TCP to it as to any
 * server.
 */
import type { Socket, TCPSocketListener } from "bun";
import {
  DateTime,
  decodeRequest,
  type EventFrame,
  encodeMessageFrame,
  FrameDecoder,
  type Outgoing,
  type Request,
} from "../../src/protocol/index.ts";

export const DOMAIN = "localhost";

export interface HostileConnection {
  readonly n: number;
  readonly requests: (Request & { ref?: number | string })[];
  /** Sends any frame. */
  send(message: Outgoing): void;
  /** Answers `request` with `message` and the request's own `ref`. */
  reply(request: Request & { ref?: number | string }, message: Outgoing): void;
  close(): void;
  readonly closed: boolean;
}

/** How a test answers: return nothing to leave a request unanswered. */
export type Script = (c: HostileConnection, request: Request & { ref?: number | string }) => void;

export function welcome(id: string, subscriptions = 100): Outgoing {
  return {
    type: "welcome",
    id: id.includes("@") ? id : `${id}@${DOMAIN}`,
    server: DOMAIN,
    version: 1,
    limits: { frame: 16384, topic: 256, subscriptions, rate: 100, burst: 100 },
    history: true,
    time: DateTime.now(),
  };
}

export function event(topic: string, seq: number, body: string, from = "alice"): EventFrame {
  return {
    type: "event",
    topic,
    seq,
    at: new DateTime(1_700_000_000 + seq),
    from: `${from}@${DOMAIN}`,
    kind: "message",
    body,
  };
}

export class HostileServer {
  readonly connections: HostileConnection[] = [];
  private listener: TCPSocketListener<{ c: HostileConnection; decoder: FrameDecoder }> | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly script: Script) {}

  get port(): number {
    return this.listener!.port;
  }

  async start(): Promise<this> {
    const server = this;
    let n = 0;
    this.listener = Bun.listen<{ c: HostileConnection; decoder: FrameDecoder }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(socket) {
          socket.data = { c: server.connection(++n, socket), decoder: new FrameDecoder() };
          server.connections.push(socket.data.c);
          server.changed();
        },
        data(socket, chunk) {
          const { c, decoder } = socket.data;
          decoder.push(chunk, (payload) => {
            const request = decodeRequest(payload);
            c.requests.push(request);
            server.script(c, request);
            server.changed();
          });
        },
        close(socket) {
          (socket.data.c as { closed: boolean }).closed = true;
          server.changed();
        },
      },
    });
    return this;
  }

  /** Resolves when `predicate` holds (checked after every connection, request and close). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Every request of a type, over all connections. */
  requests(type: string): Request[] {
    return this.connections.flatMap((c) => c.requests.filter((r) => r.type === type));
  }

  stop(): void {
    for (const c of this.connections) c.close();
    this.listener?.stop(true);
  }

  private changed(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private connection(n: number, socket: Socket<unknown>): HostileConnection {
    const c = {
      n,
      requests: [],
      closed: false,
      send(message: Outgoing) {
        if (!c.closed) socket.write(encodeMessageFrame(message));
      },
      reply(request: Request & { ref?: number | string }, message: Outgoing) {
        c.send(request.ref === undefined ? message : { ...message, ref: request.ref });
      },
      close() {
        if (!c.closed) socket.end();
      },
    };
    return c;
  }
}
