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
import { type Clock, describeDuration } from "./clock.ts";
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
  /** When the request went out (the connection's clock). */
  sentAt: number;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

export interface ConnectionOptions {
  clock: Clock;
  keepalive?: KeepaliveOptions;
  /**
   * How long (ms) a request may wait for its reply; past it the link counts
   * as broken and is closed. Off when undefined.
   */
  requestTimeout?: number;
  /** Pushed events, in the order the server sent them. Called synchronously. */
  onEvent(event: EventFrame): void;
  /** Called once when the link ends, with why. */
  onClose(reason: Error): void;
}

/**
 * One protocol connection: frames in and out, every request matched to its
 * reply (FIFO, checked by `ref`), server pings answered, our own pings to
 * detect a dead link, a deadline on every reply. A server that answers out
 * of turn or too late is not trusted further: the link is closed. Knows
 * nothing of topics or plugins.
 */
export class Connection {
  private readonly decoder = new FrameDecoder();
  private readonly pending: Pending[] = [];
  private nextRef = 1;
  private closed = false;
  private closeReason: Error | undefined;
  private keepalive: Keepalive | undefined;
  private deadline: unknown;
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
        sentAt: this.options.clock.now(),
        resolve: resolve as (reply: Reply) => void,
        reject,
      });
      if (this.pending.length === 1) this.armDeadline();
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

  /** Replies come in request order (protocol §4): anything else breaks the link. */
  private settle(ref: Ref | undefined, reply: Reply): void {
    const pending = this.pending[0];
    if (pending === undefined || (ref !== undefined && ref !== pending.ref)) {
      const what = `a ${reply.type} reply${ref === undefined ? "" : ` with ref ${String(ref)}`}`;
      this.fail(
        new ConnectionClosedError(
          `the server sent ${what} that answers no request${pending === undefined ? "" : ` (waiting for ref ${pending.ref}, ${pending.type})`}`,
        ),
      );
      return;
    }
    this.pending.shift();
    this.armDeadline();
    if (reply.type === "error") {
      pending.reject(
        new RequestError(reply.code, reply.message, pending.type, reply.fatal, pending.ref),
      );
    } else {
      pending.resolve(reply);
    }
  }

  /** One timer, for the oldest request: replies come in order, so it is due first. */
  private armDeadline(): void {
    const timeout = this.options.requestTimeout;
    if (timeout === undefined || this.closed) return;
    if (this.deadline !== undefined) this.options.clock.clearTimeout(this.deadline);
    this.deadline = undefined;
    const oldest = this.pending[0];
    if (oldest === undefined) return;
    const due = oldest.sentAt + timeout - this.options.clock.now();
    this.deadline = this.options.clock.setTimeout(
      () => {
        this.deadline = undefined;
        if (this.pending[0] !== oldest) return this.armDeadline();
        this.fail(
          new ConnectionClosedError(
            `no reply to ${oldest.type} within ${describeDuration(timeout)}: the server is stuck`,
          ),
        );
      },
      Math.max(1, due),
    );
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
    if (this.deadline !== undefined) this.options.clock.clearTimeout(this.deadline);
    this.deadline = undefined;
    this.transport?.close();
    for (const pending of this.pending.splice(0)) pending.reject(this.closeReason);
    this.options.onClose(this.closeReason);
  }
}
