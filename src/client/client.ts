export { type ClientOptions, DEFAULT_RECONNECT, type ReconnectOptions } from "./options.ts";

import {
  type EventFrame,
  parseName,
  type SentReply,
  type WelcomeReply,
} from "../protocol/index.ts";
import { backoffDelay } from "./backoff.ts";
import { type HistorySource, TopicSync } from "./catch-up.ts";
import { type Clock, sleep, systemClock } from "./clock.ts";
import { Connection, type ReplyTo } from "./connection.ts";
import type { Cursor } from "./cursor-store.ts";
import { ConnectionClosedError, describeCause, RequestError, SubscribeError } from "./errors.ts";
import { type ClientOptions, DEFAULT_RECONNECT, type ReconnectOptions } from "./options.ts";
import { Outbox, TokenBucket } from "./outbound.ts";
import { RequestPacer } from "./pacer.ts";
import type { Status } from "./status.ts";

/** The codes that refuse a subscription for good: retrying cannot help. */
const PERMANENT_REFUSALS = new Set([
  "too_many_subscriptions",
  "forbidden",
  "bad_topic",
  "wrong_server",
]);

/**
 * One live connection to a Scalar server, kept up: dial (one at a time,
 * backoff between), identify, subscribe every topic and catch each up from
 * history with no gap and no duplicate, across reconnects, restarts and
 * epochs; requests paced to the server's limits and retried when it says
 * `rate_limited`; outbound messages split and sent in order. What it
 * delivers goes to `onItem`; it knows nothing of plugins.
 *
 * @example
 * ```ts
 * const client = new Client({ id: "reader", topics: ["#general"], dialer: tcpDialer("127.0.0.1", 7667),
 *   onItem: (topic, item) => item.type === "event" && console.log(item.event.body) });
 * client.start();
 * ```
 */
export class Client {
  private fullId: string;
  private domainName: string | undefined;
  private readonly clock: Clock;
  private readonly reconnect: ReconnectOptions;
  private readonly syncs = new Map<string, TopicSync>();
  /** Untracked topics (own ID, wall): the last seq handed on, per connection. */
  private readonly lastUntracked = new Map<string, number>();
  private readonly bucket: TokenBucket;
  private readonly pacer: RequestPacer;
  private readonly outbox: Outbox;
  private connection: Connection | undefined;
  private waiters: { resolve: (c: Connection) => void; reject: (e: Error) => void }[] = [];
  private running: Promise<void> | undefined;
  private stoppingFlag = false;
  private readonly abort = new AbortController();
  private currentStatus: Status | undefined;
  private address: string | undefined;

  constructor(private readonly options: ClientOptions) {
    this.fullId = options.id;
    this.clock = options.clock ?? systemClock;
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.bucket = new TokenBucket(this.clock, 10, 10);
    this.pacer = new RequestPacer(this.clock, this.abort.signal);
    this.outbox = new Outbox({
      clock: this.clock,
      bucket: this.bucket,
      connection: () => this.whenConnected(),
      maxBodyBytes: options.maxBodyBytes,
    });
  }

  /** The client's ID (full form once the server has welcomed it). */
  get id(): string {
    return this.fullId;
  }

  /** The server's domain, once welcomed. */
  get domain(): string | undefined {
    return this.domainName;
  }

  get status(): Status | undefined {
    return this.currentStatus;
  }

  get stopping(): boolean {
    return this.stoppingFlag;
  }

  /** The live connection, if there is one. */
  get current(): Connection | undefined {
    return this.connection?.isOpen ? this.connection : undefined;
  }

  /** The full name of a topic (short names completed with the server's domain once known). */
  fullName(topic: string): string {
    return this.domainName === undefined ? topic : parseName(topic, this.domainName).full;
  }

  /**
   * Per configured topic (full name): where it is read up to, and the
   * `subscribed.seq` of this connection (undefined while not subscribed).
   */
  cursors(): Map<string, Cursor & { catchingUp: boolean; subscribed: number | undefined }> {
    const out = new Map<string, Cursor & { catchingUp: boolean; subscribed: number | undefined }>();
    for (const [topic, sync] of this.syncs) {
      out.set(topic, {
        seq: sync.delivered ?? 0,
        ...(sync.epoch === undefined ? {} : { epoch: sync.epoch }),
        catchingUp: sync.catchingUp,
        subscribed: sync.subscribedSeq,
      });
    }
    return out;
  }

  /** Starts the connect loop; resolves at once (watch `status`). */
  start(): void {
    this.running ??= this.run().catch((error) =>
      this.options.onError?.(
        new Error(`${this.options.id}: connect loop failed`, { cause: error }),
      ),
    );
  }

  /**
   * Stops: no reconnect from now on. `drain` runs while the connection is
   * still up (the bot finishes its handlers there), then the link closes.
   */
  async stop(drain?: () => Promise<void>): Promise<void> {
    this.stoppingFlag = true;
    this.abort.abort();
    // No reconnect will come: sends waiting for one must not hold up the stop.
    if (!this.connection?.isOpen) {
      this.rejectWaiters("the client is stopping");
      // A dial or identify in progress is abandoned at once.
      this.connection?.close("the client is stopping");
    }
    await drain?.();
    this.connection?.close("the client is stopping");
    this.rejectWaiters("the client is stopping");
    await this.running;
  }

  /** Sends a text, split to fit frames, paced by the server's message rate; retried until `sent`. */
  send(topic: string, text: string): Promise<SentReply[]> {
    if (this.stoppingFlag && this.connection === undefined) {
      return Promise.reject(new ConnectionClosedError("the client is stopping"));
    }
    return this.outbox.send(topic, text);
  }

  /** A request on the live connection (waits for one), retried while the server says `rate_limited`. */
  async request<T extends Parameters<Connection["request"]>[0]>(
    request: T,
  ): Promise<ReplyTo[T["type"]]> {
    const connection = await this.whenConnected();
    return this.pacer.request(connection, request);
  }

  /** Closes the current link (it is redialled): how a dispatcher that lost work asks for a replay. */
  dropConnection(reason: string): void {
    this.connection?.close(reason);
  }

  /** Moves a topic back to a saved cursor; the next connection catches up from there. */
  rewind(topic: string, cursor: Cursor | undefined): void {
    this.syncs.get(topic)?.rewind(cursor);
  }

  whenConnected(): Promise<Connection> {
    if (this.connection?.isOpen) return Promise.resolve(this.connection);
    if (this.stoppingFlag || this.currentStatus?.type === "gave_up") {
      return Promise.reject(new ConnectionClosedError("not connected"));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  // ------------------------------------------------------------ lifecycle --

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stoppingFlag) {
      attempt++;
      let reason: string;
      let healthy = false;
      try {
        const result = await this.session(attempt);
        healthy = result.healthy;
        reason = result.reason;
      } catch (error) {
        if (error instanceof RequestError && error.code === "auth_failed") {
          this.giveUp(attempt, `identify refused: ${error.message}`);
          return;
        }
        reason = describeCause(error);
      }
      if (this.stoppingFlag) return;
      if (healthy) attempt = 1;
      if (attempt >= this.reconnect.maxAttempts) {
        this.giveUp(attempt, reason);
        this.rejectWaiters(reason);
        return;
      }
      const delay = backoffDelay(this.reconnect, attempt, this.options.random);
      this.setStatus({
        type: "reconnecting",
        address: this.here,
        attempt: attempt + 1,
        delay,
        reason,
      });
      await sleep(this.clock, delay, this.abort.signal);
    }
  }

  private get here(): string {
    return this.address ?? this.options.address ?? "server";
  }

  private giveUp(attempts: number, reason: string): void {
    this.setStatus({ type: "gave_up", address: this.here, attempts, reason });
  }

  /** One connection from dial to close. Resolves with why it ended, and whether it lasted. */
  private async session(attempt: number): Promise<{ healthy: boolean; reason: string }> {
    let closed!: (reason: Error) => void;
    const whenClosed = new Promise<Error>((resolve) => {
      closed = resolve;
    });
    this.setStatus({ type: "connecting", address: this.here, attempt });
    const connection = await Connection.open(this.options.dialer, {
      clock: this.clock,
      keepalive: this.options.keepalive,
      requestTimeout: this.options.requestTimeout ?? 20_000,
      onEvent: (event) => this.onEvent(event),
      onClose: (reason) => closed(reason),
    });
    this.address = connection.remote;
    this.connection = connection;
    if (this.stoppingFlag) connection.close("the client is stopping");
    let welcome: WelcomeReply;
    try {
      welcome = await connection.request({
        type: "identify",
        id: this.options.id,
        ...(this.options.token === undefined ? {} : { token: this.options.token }),
        agent: this.options.agent ?? "scalarbot/0.1",
      });
    } catch (error) {
      connection.close();
      this.connection = undefined;
      if (error instanceof RequestError) throw error;
      return { healthy: false, reason: describeCause(error) };
    }
    const welcomedAt = this.clock.now();
    this.fullId = welcome.id;
    this.domainName = welcome.server;
    this.bucket.configure(welcome.limits.rate, welcome.limits.burst);
    this.pacer.configure(welcome.limits);
    this.lastUntracked.clear();
    this.createSyncs(welcome.server);
    this.setStatus({
      type: "connected",
      address: connection.remote,
      id: welcome.id,
      server: welcome.server,
      ...(welcome.motd === undefined ? {} : { motd: welcome.motd }),
    });
    this.catchUp(connection).catch((error) => {
      if (!connection.isOpen) return;
      this.options.onError?.(
        new Error(`${this.id}: catch-up failed, reconnecting: ${describeCause(error)}`, {
          cause: error,
        }),
      );
      connection.close("catch-up failed");
    });
    for (const waiter of this.waiters.splice(0)) waiter.resolve(connection);
    const reason = await whenClosed;
    this.connection = undefined;
    if (this.stoppingFlag) this.rejectWaiters("the client is stopping");
    for (const sync of this.syncs.values()) sync.disconnected();
    this.setStatus({
      type: "disconnected",
      address: connection.remote,
      reason: describeCause(reason),
    });
    return {
      healthy: this.clock.now() - welcomedAt >= this.reconnect.healthyAfter,
      reason: describeCause(reason),
    };
  }

  private createSyncs(domain: string): void {
    if (this.syncs.size > 0) return;
    for (const topic of this.options.topics) {
      const full = parseName(topic, domain).full;
      if (this.syncs.has(full)) continue;
      const sync = new TopicSync(full, this.options.cursors?.read(full), {
        backlog: this.options.backlog ?? 0,
        maxBuffered: this.options.maxBuffered,
        deliver: (item) => this.options.onItem?.(full, item, true),
        fault: (error) => {
          if (!this.connection?.isOpen) return;
          this.options.onError?.(
            new Error(`${this.id}: ${full}: ${describeCause(error)}`, { cause: error }),
          );
          this.connection.close(`${full}: ${describeCause(error)}`);
        },
      });
      this.syncs.set(full, sync);
    }
  }

  /** Subscribes every topic (pipelined, paced), then pages each topic's history. */
  private async catchUp(connection: Connection): Promise<void> {
    const limit = this.options.historyPage ?? 100;
    const source: HistorySource = (topic, after) =>
      this.pacer.request(connection, { type: "history", topic, after, limit });
    const syncs = [...this.syncs.values()];
    for (const sync of syncs) sync.beginSubscribe(source);
    const replies = await Promise.allSettled(
      syncs.map((sync) => this.pacer.request(connection, { type: "subscribe", topic: sync.topic })),
    );
    await Promise.all(
      syncs.map((sync, i) => {
        const reply = replies[i]!;
        if (reply.status === "fulfilled")
          return sync.subscribed(reply.value.seq, reply.value.epoch);
        sync.disconnected();
        const refusal = reply.reason;
        if (refusal instanceof RequestError && PERMANENT_REFUSALS.has(refusal.code)) {
          // Said once a connection; the other topics go on.
          this.options.onError?.(new SubscribeError(this.id, sync.topic, refusal));
          return undefined;
        }
        throw refusal;
      }),
    );
  }

  private rejectWaiters(reason: string): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(new ConnectionClosedError(reason));
  }

  // ------------------------------------------------------------- pushed --

  private onEvent(event: EventFrame): void {
    if (this.stoppingFlag) return;
    const sync = this.syncs.get(event.topic);
    if (sync !== undefined) {
      sync.live(event);
      return;
    }
    // Only what the bot subscribed to is handed on: its own ID topic and the
    // wall besides its topics. A server that repeats or reorders them is
    // not believed: each seq once, ascending.
    if (event.topic !== this.fullId && event.topic !== `!wall@${this.domainName}`) return;
    const last = this.lastUntracked.get(event.topic) ?? 0;
    if (event.seq <= last) return;
    this.lastUntracked.set(event.topic, event.seq);
    this.options.onItem?.(
      event.topic,
      { type: "event", event, replayed: false, epoch: undefined },
      false,
    );
  }

  private setStatus(status: Status): void {
    this.currentStatus = status;
    this.options.onStatus?.(status);
  }

  /** For a status that is news but not a state (a `reset`). */
  notify(status: Status): void {
    this.options.onStatus?.(status);
  }
}
