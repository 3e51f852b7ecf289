/**
 * A small Scalar client for server tests: frames and decodes with
 * src/protocol, sorts what arrives into replies, events and pings, and lets
 * a test await the next one instead of sleeping.
 */
import net from "node:net";
import {
  DateTime,
  decodeCbor,
  encodeMessageFrame,
  FrameDecoder,
  type Outgoing,
} from "../../src/protocol/index.ts";
import {
  type Logger,
  type LogLevel,
  type RunningServer,
  type ServerOptions,
  startServer,
} from "../../src/server/index.ts";

export type Frame = Record<string, unknown> & { type: string };

/** A FIFO whose `shift` waits for the next item (or fails after a timeout). */
export class AsyncQueue<T> {
  private items: T[] = [];
  private waiters: { resolve: (item: T) => void; reject: (error: Error) => void }[] = [];
  private ended = false;

  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error("connection closed"));
  }

  get size(): number {
    return this.items.length;
  }

  shift(timeoutMs = 3000, what = "frame"): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.ended) return Promise.reject(new Error(`connection closed while waiting for ${what}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (item: T) => {
        clearTimeout(timer);
        resolve(item);
      };
      this.waiters.push({
        resolve: done,
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }
}

const RAW = new WeakMap<Frame, Uint8Array>();

/** Rate limits no test about state, budgets or bounds runs into: these tests are not about floods. */
export const unlimited = { rate: 1e6, burst: 1e6, requestRate: 1e6, requestBurst: 1e6 };

/** The payload bytes a frame was decoded from. */
export function rawOf(frame: Frame): Uint8Array {
  return RAW.get(frame)!;
}

export class TestClient {
  /** Every frame in arrival order. */
  readonly all = new AsyncQueue<Frame>();
  readonly replies = new AsyncQueue<Frame>();
  readonly events = new AsyncQueue<Frame>();
  readonly pings = new AsyncQueue<Frame>();
  /** Answer server pings automatically. */
  autoPong = true;
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new FrameDecoder();

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.decoder.push(new Uint8Array(chunk), (payload) => this.onFrame(payload.slice()));
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.isClosed = true;
        for (const queue of [this.all, this.replies, this.events, this.pings]) queue.end();
        resolve();
      });
    });
  }

  /** Connects to 127.0.0.1 (from `localAddress`, another loopback address, if given). */
  static connect(port: number, localAddress?: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () =>
        resolve(new TestClient(socket)),
      );
      socket.once("error", reject);
    });
  }

  /** Connects and identifies; resolves with the client once `welcome` came. */
  static async identified(port: number, id: string, extra: Record<string, unknown> = {}) {
    const client = await TestClient.connect(port);
    const welcome = await client.request({ type: "identify", id, ...extra });
    if (welcome.type !== "welcome") throw new Error(`identify failed: ${JSON.stringify(welcome)}`);
    return client;
  }

  private onFrame(payload: Uint8Array): void {
    const frame = decodeCbor(payload) as Frame;
    RAW.set(frame, payload);
    this.all.push(frame);
    if (frame.type === "event") this.events.push(frame);
    else if (frame.type === "ping") {
      this.pings.push(frame);
      if (this.autoPong) this.send({ type: "pong", at: frame.at });
    } else this.replies.push(frame);
  }

  send(message: Outgoing): void {
    this.socket.write(encodeMessageFrame(message));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends a request and waits for the next reply (events and pings go to their queues). */
  request(message: Outgoing, timeoutMs?: number): Promise<Frame> {
    this.send(message);
    return this.replies.shift(timeoutMs, `reply to ${message.type}`);
  }

  nextReply(timeoutMs?: number): Promise<Frame> {
    return this.replies.shift(timeoutMs, "reply");
  }

  nextEvent(timeoutMs?: number): Promise<Frame> {
    return this.events.shift(timeoutMs, "event");
  }

  next(timeoutMs?: number): Promise<Frame> {
    return this.all.shift(timeoutMs, "frame");
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }
}

/** Encodes a raw payload as a frame (no validation): for bad-input tests. */
/** Reads every frame up to the close (each within `within` ms); returns the last one. */
export async function lastFrameBeforeClose(
  c: TestClient,
  within = 10_000,
): Promise<Frame | undefined> {
  let last: Frame | undefined;
  for (;;) {
    try {
      last = await c.next(within);
    } catch {
      return last;
    }
  }
}

export function rawFrame(payload: Uint8Array | number[]): Uint8Array {
  const bytes = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  const frame = new Uint8Array(bytes.length + 2);
  frame[0] = bytes.length & 0xff;
  frame[1] = bytes.length >> 8;
  frame.set(bytes, 2);
  return frame;
}

export function datetime(ms: number): DateTime {
  return DateTime.fromMillis(ms);
}

export interface LogRecord {
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

/** A logger that records, and lets a test await a record. */
export function captureLogger(): {
  logger: Logger;
  records: LogRecord[];
  waitFor(event: string, match?: (r: LogRecord) => boolean): Promise<LogRecord>;
} {
  const records: LogRecord[] = [];
  const waiters: {
    event: string;
    match: (r: LogRecord) => boolean;
    resolve: (r: LogRecord) => void;
  }[] = [];
  return {
    records,
    logger: {
      log(level, event, fields = {}) {
        const record = { level, event, fields };
        records.push(record);
        for (const waiter of [...waiters]) {
          if (waiter.event === event && waiter.match(record)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(record);
          }
        }
      },
    },
    waitFor(event, match = () => true) {
      const found = records.find((r) => r.event === event && match(r));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ event, match, resolve }));
    },
  };
}

/** Starts servers on free ports and stops them all at the end of a file. */
export class ServerPool {
  private readonly servers: RunningServer[] = [];
  private readonly clients: TestClient[] = [];

  async start(options: ServerOptions = {}): Promise<RunningServer> {
    const server = await startServer({
      port: 0,
      domain: "example.com",
      log: { log() {} },
      ...options,
    });
    this.servers.push(server);
    return server;
  }

  async client(server: RunningServer, id?: string, extra?: Record<string, unknown>) {
    const client =
      id === undefined
        ? await TestClient.connect(server.port)
        : await TestClient.identified(server.port, id, extra);
    this.clients.push(client);
    return client;
  }

  async stopAll(): Promise<void> {
    for (const client of this.clients.splice(0)) client.socket.destroy();
    await Promise.all(this.servers.splice(0).map((server) => server.stop()));
  }
}
