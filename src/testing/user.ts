/**
 * A test user: a plain Scalar client over a real socket (framing and CBOR
 * from src/protocol), with awaitable expectations on what it receives.
 */
import type { Socket } from "bun";
import {
  DateTime,
  decodeServerFrame,
  type EventFrame,
  encodeMessageFrame,
  FrameDecoder,
  type Outgoing,
  type Reply,
  type ServerFrame,
  type WithRef,
} from "../protocol/index.ts";
import {
  describeMatch,
  type EventMatch,
  fullName,
  matches,
  type ReceivedEvent,
  toReceived,
} from "./match.ts";
import type { TimerSet } from "./timers.ts";

export interface ExpectOptions {
  /** How long to wait, in ms (default: the harness's `within`, 2000). */
  within?: number;
}

/** What a user needs from its harness. */
export interface UserHost {
  readonly domain: string;
  /** Default bound of an expectation, ms. */
  readonly within: number;
  readonly timers: TimerSet;
  /** Waits until bots and users have nothing left in flight, at most `within` ms. */
  settle(within: number): Promise<void>;
  /** Extra lines for a failure message (bot errors, bots not connected). */
  diagnostics(): string[];
}

interface Pending {
  ref: number;
  type: string;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

interface Waiter {
  match: EventMatch;
  resolve: (event: ReceivedEvent) => void;
  fail: (why: string) => void;
}

interface SocketState {
  queue: Uint8Array[];
}

/**
 * A connected, identified user.
 *
 * @example
 * ```ts
 * const alice = await h.user("alice");
 * await alice.join("#general");
 * await alice.say("#general", "!echo hi");
 * await alice.expectMessage({ from: "echo", body: "hi" });
 * ```
 */
export class TestUser {
  private readonly decoder = new FrameDecoder();
  private readonly pending: Pending[] = [];
  private readonly received: ReceivedEvent[] = [];
  private unconsumed: ReceivedEvent[] = [];
  private waiters: Waiter[] = [];
  private nextRef = 1;
  private fatal: string | undefined;
  private isClosed = false;
  private readonly whenClosed: Promise<void>;
  private onClosed!: () => void;
  private socket!: Socket<SocketState>;
  /** Full ID, set by `welcome`. */
  id: string;

  private constructor(
    private readonly host: UserHost,
    id: string,
  ) {
    this.id = fullName(id, host.domain);
    this.whenClosed = new Promise((resolve) => {
      this.onClosed = resolve;
    });
  }

  /** Connects to `address` and identifies as `id`. */
  static async connect(
    host: UserHost,
    address: { host: string; port: number },
    id: string,
    options: { token?: string } = {},
  ): Promise<TestUser> {
    const user = new TestUser(host, id);
    user.socket = await Bun.connect<SocketState>({
      hostname: address.host,
      port: address.port,
      data: { queue: [] },
      socket: {
        data: (_socket, chunk) => user.onData(chunk),
        drain: (socket) => flush(socket),
        close: () => user.onClose(),
        error: () => {},
        connectError: () => {},
      },
    });
    user.socket.setNoDelay(true);
    const welcome = await user.request({
      type: "identify",
      id,
      agent: "scalarbot-testing",
      ...(options.token === undefined ? {} : { token: options.token }),
    });
    if (welcome.type === "welcome") user.id = welcome.id;
    return user;
  }

  /** Every event received, in arrival order (consumed by an expectation or not). */
  get messages(): readonly ReceivedEvent[] {
    return this.received;
  }

  /** The short ID (`alice`). */
  get name(): string {
    return this.id.split("@")[0]!;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Subscribes to a topic; resolves once the server confirmed (the join event follows). */
  async join(topic: string): Promise<void> {
    await this.request({ type: "subscribe", topic });
  }

  async leave(topic: string): Promise<void> {
    await this.request({ type: "unsubscribe", topic });
  }

  /** Publishes `text`; resolves once the server stored it, with its full topic and seq. */
  async say(topic: string, text: string): Promise<{ topic: string; seq: number }> {
    const sent = await this.request({ type: "message", to: topic, body: text });
    if (sent.type !== "sent") throw new Error(`${this.name}: unexpected reply ${sent.type}`);
    return { topic: sent.topic, seq: sent.seq };
  }

  /** A direct message to an ID (`greeter` or `greeter@test.local`). */
  dm(id: string, text: string): Promise<{ topic: string; seq: number }> {
    return this.say(id, text);
  }

  /**
   * Resolves with the first event not yet matched by an earlier expectation
   * that matches `match` (events that arrived already count), waiting up to
   * `within` ms. Rejects with what did arrive.
   */
  expectMessage(match: EventMatch = {}, options: ExpectOptions = {}): Promise<ReceivedEvent> {
    // Made here so the failure points at the test line, not at a timer; the
    // frames of this method are cut, so the code frame shown is the test's.
    const failure = new Error();
    Error.captureStackTrace(failure, TestUser.prototype.expectMessage);
    const within = options.within ?? this.host.within;
    const found = this.take(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.host.timers.clear(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const what = describeMatch(match);
        failure.message = this.describeFailure(
          `${/^[aeiou]/.test(what) ? "an" : "a"} ${what}: it ${why}`,
        );
        reject(failure);
      };
      const waiter: Waiter = {
        match,
        resolve: (event) => {
          this.host.timers.clear(timer);
          resolve(event);
        },
        fail,
      };
      const timer = this.host.timers.set(() => fail(`did not come within ${within} ms`), within);
      if (this.isClosed) return fail(`cannot come: the connection is closed${this.fatalNote()}`);
      this.waiters.push(waiter);
    });
  }

  /**
   * Waits until every bot and user has nothing left in flight (a round trip
   * through the server, then idle handler queues, until nothing moves; at
   * most `within` ms), then rejects if an event matching `match` arrived and
   * was not matched by an earlier expectation. Without `match`: any message
   * from someone else.
   */
  async expectNoMessage(match: EventMatch = {}, options: ExpectOptions = {}): Promise<void> {
    const failure = new Error();
    Error.captureStackTrace(failure, TestUser.prototype.expectNoMessage);
    await this.host.settle(options.within ?? this.host.within);
    const found = this.unconsumed.find((e) => matches(e, match, this.id, this.host.domain));
    if (found === undefined) return;
    failure.message = `${this.name} expected no ${describeMatch(match)}, but received:\n  ${found.line}`;
    throw failure;
  }

  /** Every received event as a line (`#general <alice> hi`), times left out. */
  transcript(): string {
    return this.received.map((e) => e.line).join("\n");
  }

  /** Sends any request and resolves with its reply; an `error` reply rejects. */
  request(message: Outgoing): Promise<Reply> {
    if (this.isClosed) {
      return Promise.reject(new Error(`${this.name}: the connection is closed${this.fatalNote()}`));
    }
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.pending.push({ ref, type: message.type, resolve, reject });
      this.write(encodeMessageFrame({ ...message, ref }));
    });
  }

  /** Resolves once the server answered a ping: everything it sent before is in `messages`. */
  async roundTrip(): Promise<void> {
    if (this.isClosed) return;
    await this.request({ type: "ping", at: DateTime.now() }).catch(() => {});
  }

  /** Closes the connection; resolves when the socket is closed. */
  close(): Promise<void> {
    if (!this.isClosed) this.socket.end();
    return this.whenClosed;
  }

  // -------------------------------------------------------------- internal --

  private take(match: EventMatch): ReceivedEvent | undefined {
    const index = this.unconsumed.findIndex((e) => matches(e, match, this.id, this.host.domain));
    if (index < 0) return undefined;
    return this.unconsumed.splice(index, 1)[0];
  }

  private describeFailure(what: string): string {
    const lines = [`${this.name} waited for ${what}.`];
    const others = this.unconsumed;
    if (others.length === 0) {
      lines.push(`${this.name} received nothing else.`);
    } else {
      const shown = others.slice(-20);
      lines.push(
        `${this.name} received, not matched by an earlier expectation${
          shown.length < others.length ? ` (last ${shown.length} of ${others.length})` : ""
        }:`,
        ...shown.map((e) => `  ${e.line}`),
      );
    }
    lines.push(...this.host.diagnostics());
    return lines.join("\n");
  }

  private fatalNote(): string {
    return this.fatal === undefined ? "" : ` (${this.fatal})`;
  }

  private write(bytes: Uint8Array): void {
    const state = this.socket.data;
    if (state.queue.length > 0) {
      state.queue.push(bytes);
      return;
    }
    const written = this.socket.write(bytes);
    if (written >= 0 && written < bytes.length) state.queue.push(bytes.subarray(written));
  }

  private onData(chunk: Uint8Array): void {
    try {
      this.decoder.push(chunk, (payload) => this.onFrame(decodeServerFrame(payload.slice())));
    } catch (error) {
      this.fatal = `bad data from the server: ${(error as Error).message}`;
      this.socket.terminate();
    }
  }

  private onFrame(frame: WithRef<ServerFrame>): void {
    switch (frame.type) {
      case "event":
        this.onEvent(frame);
        return;
      case "ping":
        this.write(encodeMessageFrame({ type: "pong", at: frame.at }));
        return;
      case "unknown":
        return;
      case "error":
        if (frame.ref === undefined && frame.fatal) {
          this.fatal = `${frame.code}: ${frame.message}`;
          return;
        }
        break;
    }
    const index = this.pending.findIndex((p) => p.ref === frame.ref);
    if (index < 0) return;
    const [pending] = this.pending.splice(index, 1);
    if (frame.type === "error") {
      pending!.reject(
        new Error(`${this.name}: ${pending!.type} refused: ${frame.code}: ${frame.message}`),
      );
    } else {
      pending!.resolve(frame as Reply);
    }
  }

  private onEvent(frame: EventFrame): void {
    const event = toReceived(frame, this.host.domain);
    this.received.push(event);
    const waiter = this.waiters.find((w) => matches(event, w.match, this.id, this.host.domain));
    if (waiter === undefined) {
      this.unconsumed.push(event);
      return;
    }
    this.waiters = this.waiters.filter((w) => w !== waiter);
    waiter.resolve(event);
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const why = `cannot come: the connection closed${this.fatalNote()}`;
    for (const waiter of [...this.waiters]) waiter.fail(why);
    const error = new Error(`${this.name}: the connection closed${this.fatalNote()}`);
    for (const pending of this.pending.splice(0)) pending.reject(error);
    this.onClosed();
  }
}

function flush(socket: Socket<SocketState>): void {
  const queue = socket.data.queue;
  while (queue.length > 0) {
    const head = queue[0]!;
    const written = socket.write(head);
    if (written < 0) return;
    if (written < head.length) {
      queue[0] = head.subarray(written);
      return;
    }
    queue.shift();
  }
}
