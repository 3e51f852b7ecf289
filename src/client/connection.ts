import {
  DateTime,
  decodeServerFrame,
  type EventFrame,
  encodeMessageFrame,
  FrameDecoder,
  type Ref,
  type Reply,
  type Request,
  ScalarError,
  type ServerFrame,
  type WithRef,
} from "../protocol/index.ts";
import type { Clock } from "./clock.ts";
import { ConnectionClosedError, RequestError } from "./errors.ts";
import { Keepalive, type KeepaliveOptions } from "./keepalive.ts";
import type { Dialer, Transport } from "./transport.ts";

/** The reply type each request gets. */
export interface ReplyTo {
  identify: Extract<Reply, { type: "welcome" }>;
  subscribe: Extract<Reply, { type: "subscribed" }>;
  unsubscribe: Extract<Reply, { type: "unsubscribed" }>;
  message: Extract<Reply, { type: "sent" }>;
  topics: Extract<Reply, { type: "topic_list" }>;
  history: Extract<Reply, { type: "backlog" }>;
  ping: Extract<Reply, { type: "pong" }>;
}
type Answered = Exclude<Request, { type: "pong" }>;

interface Pending {
  ref: number;
  type: string;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

export interface ConnectionOptions {
  clock: Clock;
  keepalive?: KeepaliveOptions;
  /** Pushed events, in the order the server sent them. Called synchronously. */
  onEvent(event: EventFrame): void;
  /** Called once when the link ends, with why. */
  onClose(reason: Error): void;
}

/**
 * One protocol connection: frames in and out, every request matched to its
 * reply (FIFO, checked by `ref`), server pings answered, our own pings to
 * detect a dead link. Knows nothing of topics or plugins.
 */
export class Connection {
  private readonly decoder = new FrameDecoder();
  private readonly pending: Pending[] = [];
  private nextRef = 1;
  private closed = false;
  private closeReason: Error | undefined;
  private keepalive: Keepalive | undefined;
  private transport!: Transport;

  private constructor(private readonly options: ConnectionOptions) {}

  /** Dials and returns a connection ready for `identify`. Rejects with `ConnectError`. */
  static async open(dialer: Dialer, options: ConnectionOptions): Promise<Connection> {
    const connection = new Connection(options);
    connection.transport = await dialer({
      data: (chunk) => connection.onData(chunk),
      close: (error) => connection.onTransportClose(error),
    });
    if (connection.options.keepalive !== undefined && !connection.closed) {
      const keepalive = connection.options.keepalive;
      connection.keepalive = new Keepalive(
        options.clock,
        keepalive,
        () => connection.sendPing(),
        () =>
          connection.fail(
            new ConnectionClosedError(`no reply to ping within ${keepalive.timeout} ms`),
          ),
      );
    }
    return connection;
  }

  get remote(): string {
    return this.transport.remote;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a request and resolves with its reply; an `error` reply rejects with `RequestError`. */
  request<T extends Answered>(request: T): Promise<ReplyTo[T["type"]]> {
    if (this.closed) {
      return Promise.reject(this.closeReason ?? new ConnectionClosedError());
    }
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.pending.push({
        ref,
        type: request.type,
        resolve: resolve as (reply: Reply) => void,
        reject,
      });
      this.send({ ...request, ref });
    });
  }

  /** Closes the link; pending requests reject. */
  close(reason = "closed by the client"): void {
    this.fail(new ConnectionClosedError(reason));
  }

  private send(message: WithRef<Request>): void {
    this.transport.write(encodeMessageFrame(message));
  }

  private sendPing(): void {
    this.request({ type: "ping", at: DateTime.now() }).catch(() => {});
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    try {
      this.decoder.push(chunk, (payload) => this.onFrame(decodeServerFrame(payload)));
    } catch (error) {
      // A server that breaks framing or CBOR cannot be trusted further.
      const reason = error instanceof ScalarError ? `${error.code}: ${error.message}` : error;
      this.fail(new ConnectionClosedError(`bad data from the server: ${String(reason)}`, error));
    }
  }

  private onFrame(frame: WithRef<ServerFrame>): void {
    this.keepalive?.received();
    switch (frame.type) {
      case "event":
        this.options.onEvent(frame);
        return;
      case "ping":
        this.transport.write(encodeMessageFrame({ type: "pong", at: frame.at }));
        return;
      case "unknown":
        return;
      case "error":
        if (frame.ref === undefined && frame.fatal) {
          this.closeReason = new RequestError(
            frame.code,
            frame.message,
            frame.re ?? "server",
            true,
          );
          return;
        }
        this.settle(frame.ref, frame);
        return;
      default:
        this.settle(frame.ref, frame);
    }
  }

  private settle(ref: Ref | undefined, reply: Reply): void {
    let index = 0;
    if (ref !== undefined) {
      index = this.pending.findIndex((p) => p.ref === ref);
      if (index < 0) return;
    }
    const [pending] = this.pending.splice(index, 1);
    if (pending === undefined) return;
    if (reply.type === "error") {
      pending.reject(
        new RequestError(reply.code, reply.message, pending.type, reply.fatal, pending.ref),
      );
    } else {
      pending.resolve(reply);
    }
  }

  private onTransportClose(error?: Error): void {
    this.fail(
      this.closeReason ??
        new ConnectionClosedError(
          error === undefined
            ? "connection closed by the server"
            : `connection lost: ${error.message}`,
          error,
        ),
    );
  }

  private fail(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason ??= reason;
    this.keepalive?.stop();
    this.transport?.close();
    for (const pending of this.pending.splice(0)) pending.reject(this.closeReason);
    this.options.onClose(this.closeReason);
  }
}
