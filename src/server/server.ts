import type { TCPSocketListener } from "bun";
import { DateTime } from "../protocol/index.ts";
import { ConnectionsPerAddress } from "./addresses.ts";
import { ArenaPins } from "./arena-pins.ts";
import { Authenticator } from "./authenticator.ts";
import { ByteBudget } from "./budget.ts";
import { Connection, type ServerSocket } from "./connection.ts";
import type { ServerContext } from "./context.ts";
import { Flusher } from "./flusher.ts";
import { MemoryHistoryStore } from "./history/memory.ts";
import { SqliteHistoryStore } from "./history/sqlite.ts";
import { NoHistoryStore } from "./history/store.ts";
import { type WatchedHistoryStore, withChannelWatch } from "./history/watched.ts";
import { Hub } from "./hub.ts";
import { type ResolvedOptions, resolveOptions, type ServerOptions } from "./options.ts";
import { TurnOutput } from "./turn-output.ts";
import { startupWarnings } from "./warnings.ts";

/** A started server. */
export interface RunningServer {
  host: string;
  /** The bound port (the real one when started with port 0). */
  port: number;
  domain: string;
  /** Sends `shutdown` to every connection, closes them and the history store. */
  stop(): Promise<void>;
  connectionCount(): number;
  /** Bytes counted against the output budget now: output the kernel has not taken. */
  outputBytes(): number;
  /** Bytes counted against the input budget now: half-sent frames and held-back requests. */
  inputBytes(): number;
  /** Topics with state counted against `maxTopics` now. */
  topicCount(): number;
}

/** How long `stop()` waits for connections to take their `shutdown` error. */
const STOP_GRACE_MS = 2000;

function openStore(options: ResolvedOptions): WatchedHistoryStore {
  const { history, retention } = options;
  if (typeof history !== "string") return withChannelWatch(history);
  if (history === "memory") return new MemoryHistoryStore(retention);
  if (history === "none") return new NoHistoryStore();
  if (history.startsWith("sqlite:") && history.length > "sqlite:".length) {
    return new SqliteHistoryStore(history.slice("sqlite:".length), retention);
  }
  throw new RangeError(`history must be "memory", "none" or "sqlite:PATH", not ${history}`);
}

class ScalarServer implements ServerContext {
  readonly options: ResolvedOptions;
  readonly store: WatchedHistoryStore;
  readonly hub: Hub;
  readonly log;
  stopping = false;
  readonly connections = new Set<Connection>();
  readonly outputBudget: ByteBudget;
  readonly inputBudget: ByteBudget;
  readonly turn: TurnOutput;
  readonly pins = new ArenaPins();
  readonly auth: Authenticator | undefined;
  private readonly perAddress = new ConnectionsPerAddress();
  private listener: TCPSocketListener<Connection | undefined> | undefined;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private allClosed: (() => void) | undefined;
  /** Writes every connection's output once per turn of the event loop. */
  private readonly flusher: Flusher<Connection>;

  constructor(options: ServerOptions) {
    this.options = resolveOptions(options);
    this.log = this.options.log;
    this.outputBudget = new ByteBudget(this.options.outputBudgetBytes);
    this.pins.onChange = (bytes) => this.outputBudget.setShared(bytes);
    this.inputBudget = new ByteBudget(this.options.inputBudgetBytes);
    // A quarter of the output budget: what a turn makes is written before the next one.
    this.turn = new TurnOutput(this.options.outputBudgetBytes / 4, () => this.flusher.wake());
    const { tokens: table } = this.options;
    this.auth = table === undefined ? undefined : new Authenticator(table, this.options.now);
    this.store = openStore(this.options);
    const { now, log, tokens } = this.options;
    this.hub = new Hub(this.store, {
      now,
      log,
      registered: (id) => tokens?.has(id) ?? false,
      turn: this.turn,
      maxTopics: this.options.maxTopics,
    });
    this.flusher = new Flusher<Connection>({
      // Staged events are stored and published before output is written.
      beforeWrite: () => this.hub.settle(),
      written: () => this.turn.written(),
      urgent: () => this.turn.full,
      published: () => this.hub.published,
    });
  }

  listen(): RunningServer {
    const { host, port } = this.options;
    for (const { event, fields } of startupWarnings(this.options))
      this.log.log("warn", event, fields);
    this.listener = Bun.listen<Connection | undefined>({
      hostname: host,
      port,
      socket: {
        open: (socket) => this.onOpen(socket),
        data: (socket, chunk) => socket.data?.onData(chunk),
        drain: (socket) => socket.data?.onDrain(),
        close: (socket) => socket.data?.onClose(),
        error: (socket, error) => {
          this.log.log("warn", "socket_error", { conn: socket.data?.serial, error });
        },
      },
    });
    const { sweepTimer } = this.startSweep();
    this.sweepTimer = sweepTimer;
    const listener = this.listener;
    this.log.log("info", "listening", { host, port: listener.port, domain: this.options.domain });
    return {
      host,
      port: listener.port,
      domain: this.options.domain,
      stop: () => this.stop(),
      connectionCount: () => this.connections.size,
      outputBytes: () => this.outputBudget.total,
      inputBytes: () => this.inputBudget.total,
      topicCount: () => this.hub.topicCount,
    };
  }

  private onOpen(socket: ServerSocket): void {
    const conn = new Connection(this, socket);
    socket.data = conn;
    socket.setNoDelay(true);
    this.connections.add(conn);
    const fromAddress = this.perAddress.open(conn.addressKey);
    this.log.log("info", "open", { conn: conn.serial, remote: conn.remote });
    if (this.stopping) {
      conn.fatal("shutdown", "the server is stopping");
    } else if (this.connections.size > this.options.maxConnections) {
      conn.fatal("busy", "too many connections");
    } else if (fromAddress > this.options.maxConnectionsPerAddress) {
      conn.fatal(
        "busy",
        `too many connections from ${conn.addressKey} (at most ${this.options.maxConnectionsPerAddress})`,
      );
    }
  }

  markDirty(connection: Connection): void {
    this.flusher.add(connection);
  }

  closed(connection: Connection): void {
    this.connections.delete(connection);
    this.perAddress.close(connection.addressKey);
    this.log.log("info", "close", { conn: connection.serial, id: connection.id });
    if (this.connections.size === 0) this.allClosed?.();
  }

  /** One timer for all connections: identify deadline, half-sent frames, pings. */
  private startSweep(): { sweepTimer: ReturnType<typeof setInterval> } {
    const { pingIntervalMs, pingTimeoutMs, identifyTimeoutMs } = this.options;
    const period = Math.max(
      10,
      Math.min(1000, pingIntervalMs / 4, pingTimeoutMs / 4, identifyTimeoutMs / 4),
    );
    const sweepTimer = setInterval(() => this.sweep(), period);
    return { sweepTimer };
  }

  private sweep(): void {
    const { pingIntervalMs, pingTimeoutMs, identifyTimeoutMs, now } = this.options;
    const t = now();
    this.auth?.prune();
    for (const conn of this.connections) {
      if (conn.closing) continue;
      if (!conn.identified && t - conn.openedAt >= identifyTimeoutMs) {
        conn.fatal("timeout", "no identify in time");
      } else if (
        conn.input.partialSince !== 0 &&
        // Not while the server holds the input back: the frame cannot come.
        !conn.input.inputHeld &&
        t - conn.input.partialSince >= identifyTimeoutMs
      ) {
        conn.fatal("timeout", "a frame was left half-sent");
      } else if (conn.pingSentAt !== 0) {
        if (t - conn.pingSentAt >= pingTimeoutMs) conn.fatal("timeout", "no pong in time");
      } else if (t - conn.lastHeard >= pingIntervalMs) {
        conn.ping(DateTime.fromMillis(t));
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.sweepTimer);
    this.listener?.stop();
    if (this.connections.size > 0) {
      const closedAll = new Promise<void>((resolve) => {
        this.allClosed = resolve;
      });
      for (const conn of this.connections) conn.fatal("shutdown", "the server is stopping");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_GRACE_MS);
      });
      await Promise.race([closedAll, timeout]);
      clearTimeout(timer);
      for (const conn of this.connections) conn.socket.terminate();
    }
    this.listener?.stop(true);
    this.hub.settle();
    this.store.close();
    this.log.log("info", "stopped", {});
  }
}

/**
 * Starts a Scalar v1 server.
 *
 * @example
 * const server = await startServer({ port: 0, domain: "example.com" });
 * console.log(`listening on ${server.host}:${server.port}`);
 * await server.stop();
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  return new ScalarServer(options).listen();
}
