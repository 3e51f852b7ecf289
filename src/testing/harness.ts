/**
 * The test harness: a real server in this process, the bots under test
 * connected to it over real sockets, test users, a plugin clock the test
 * moves, and expectations that wait for events instead of sleeping.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bot } from "../bot/bot.ts";
import type { StatusType } from "../client/status.ts";
import { tcpDialer } from "../client/tcp-transport.ts";
import { BotSet, type BotSetOptions, prepareBots } from "../config/bots.ts";
import { botRequest } from "../http/bot-routes.ts";
import type { Logger, RunningServer, ServerOptions } from "../server/index.ts";
import { startServer } from "../server/index.ts";
import { BotEntries, describeStatus } from "./bot-entries.ts";
import { HarnessClock } from "./clock.ts";
import { ErrorLog, type ErrorMatch, HarnessLeakError, UnexpectedBotErrors } from "./errors.ts";
import { transcriptOf } from "./match.ts";
import { type BotSpec, type Setup, setupBots, setupConfig, withServer } from "./setup.ts";
import { TimerSet } from "./timers.ts";
import { TestUser, type UserHost } from "./user.ts";

export { HarnessLeakError } from "./errors.ts";

export interface HarnessOptions {
  /**
   * A configuration: a path to a YAML file, or the YAML text itself. Its
   * `server` section is replaced by the harness's server (the domain is
   * kept), each bot's `state` goes under `h.dir`.
   */
  config?: string;
  /** Folder that module paths of a configuration given as text resolve against (default: cwd). */
  configDir?: string;
  /** Bots described in code (instead of `config`). */
  bots?: BotSpec[];
  /** The server's domain for `bots` (default `test.local`). */
  domain?: string;
  /**
   * Folder for state and for plugins' relative paths (the logger's `dir`).
   * Default: a fresh temporary folder, removed by `close()`.
   */
  dir?: string;
  /** Environment for `${VAR}` in a configuration (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Overrides for the in-process server (`motd`, `history`, `tokens`, `rate`, …). */
  server?: Partial<ServerOptions>;
  /** Default bound of expectations and settling, in ms (default 2000). */
  within?: number;
  /** Start time of `h.clock` (default 2023-11-14T22:13:20Z). */
  clockStart?: number | Date;
  /**
   * Where runtime log lines go. Default: kept in `h.logs` (printed too when
   * the environment has `SCALARBOT_TEST_LOG=1`).
   */
  log?: (line: string) => void;
  /**
   * Errors the bots report (a handler that threw) are expected: `close()`
   * does not fail on them. Without it, each must be claimed by
   * `h.expectError(match)`.
   */
  allowErrors?: boolean;
}

const DEFAULT_WITHIN = 2000;
const CLOSE_BOUND = 2000;
const WAITING: ReadonlySet<StatusType> = new Set(["connecting", "reconnecting", "disconnected"]);

/**
 * Starts a server in this process and the bots, and resolves once every bot
 * is connected and has caught up.
 *
 * @example
 * ```ts
 * const h = await createHarness({ bots: [{ id: "greeter", topics: ["#general"], plugins: [greeter] }] });
 * const alice = await h.user("alice");
 * await alice.join("#general");
 * await alice.expectMessage({ from: "greeter", body: /Welcome, alice/ });
 * await h.close();
 * ```
 */
export async function createHarness(options: HarnessOptions): Promise<Harness> {
  const harness = new Harness(options);
  try {
    await harness.start();
  } catch (error) {
    await harness.close().catch(() => {});
    throw error;
  }
  return harness;
}

export class Harness implements AsyncDisposable {
  /** Plugin time: `every` schedules and cooldowns. `await h.clock.advance(ms)`. */
  readonly clock: HarnessClock;
  /** State and plugin data live here. */
  readonly dir: string;
  /** Runtime log lines (bot status, plugin logs, errors). */
  readonly logs: string[] = [];
  /** Every error a bot reported (handler failures, runtime problems), in order. */
  readonly errors: Error[];
  private readonly errorLog: ErrorLog;
  private domainName = "test.local";
  private readonly ownsDir: boolean;
  private readonly timers = new TimerSet();
  private readonly entries: BotEntries;
  private readonly users: TestUser[] = [];
  private readonly within: number;
  private running: RunningServer | undefined;
  private serverOptions: ServerOptions | undefined;
  private runner: BotSet | undefined;
  private closing: Promise<void> | undefined;
  private connectionWaiters: (() => void)[] = [];
  private readonly userHost: UserHost;

  /** Use `createHarness`. */
  constructor(private readonly options: HarnessOptions) {
    this.within = options.within ?? DEFAULT_WITHIN;
    this.errorLog = new ErrorLog(this.timers);
    this.errors = this.errorLog.all;
    this.entries = new BotEntries(() => this.domainName, this.timers, this.within);
    this.ownsDir = options.dir === undefined;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), "scalarbot-test-"));
    const start = options.clockStart ?? 1_700_000_000_000;
    this.clock = new HarnessClock(start instanceof Date ? start.getTime() : start, () =>
      this.settle(),
    );
    const harness = this;
    this.userHost = {
      get domain() {
        return harness.domainName;
      },
      within: this.within,
      timers: this.timers,
      settle: (within) => this.settle(within),
      diagnostics: () => this.diagnostics(),
    };
  }

  /** @internal Called once by `createHarness`. */
  async start(): Promise<void> {
    const { options } = this;
    if ((options.config === undefined) === (options.bots === undefined)) {
      throw new TypeError("createHarness needs exactly one of `config` and `bots`");
    }
    let setup: Setup;
    if (options.config !== undefined) {
      setup = setupConfig(options.config, this.dir, {
        ...(options.configDir === undefined ? {} : { configDir: options.configDir }),
        ...(options.env === undefined ? {} : { env: options.env }),
      });
    } else {
      setup = await setupBots(options.bots ?? [], options.domain ?? "test.local", this.dir);
    }
    this.domainName = setup.domain;
    this.serverOptions = {
      host: "127.0.0.1",
      port: 0,
      domain: setup.domain,
      history: "memory",
      rate: 1000,
      burst: 1000,
      log: this.serverLog(),
      ...setup.server,
      ...options.server,
    };
    this.running = await startServer(this.serverOptions);
    const loaded = withServer(setup, this.running.host, this.running.port);
    const runnerOptions: BotSetOptions = {
      write: (line) => this.log(line),
      dialer: (host, port, config) =>
        this.entries.entryFor(config.id).link.wrap(tcpDialer(host, port)),
      onBot: (bot, config) => this.entries.track(bot, config.id),
      onError: (error) => this.errorLog.add(error),
      pluginClock: this.clock,
    };
    const prepared = setup.prepared ?? (await prepareBots(loaded));
    this.runner = new BotSet(loaded, prepared, runnerOptions);
    await this.runner.start({ host: this.running.host, port: this.running.port });
    await Promise.all(this.entries.values().map((e) => this.entries.connected(e, 1)));
    await this.settle();
  }

  /** The server's address and domain. */
  get server(): { host: string; port: number; domain: string; connectionCount(): number } {
    const running = this.requireServer();
    return {
      host: running.host,
      port: running.port,
      domain: running.domain,
      connectionCount: () => running.connectionCount(),
    };
  }

  get domain(): string {
    return this.domainName;
  }

  /** A bot by ID (`greeter` or `greeter@test.local`); the current one after a restart. */
  bot(id: string): Bot {
    const entry = this.entries.entry(id);
    if (entry.bot === undefined) throw new Error(`${entry.id} has not started`);
    return entry.bot;
  }

  /** Every bot, in configuration order. */
  get bots(): Bot[] {
    return this.entries.values().flatMap((e) => (e.bot === undefined ? [] : [e.bot]));
  }

  /** Connects and identifies a test user (`alice` → `alice@<domain>`). */
  async user(id: string, options: { token?: string } = {}): Promise<TestUser> {
    if (this.closing !== undefined) throw new Error("the harness is closed");
    const user = await TestUser.connect(this.userHost, this.requireServer(), id, options);
    this.users.push(user);
    return user;
  }

  /**
   * Waits until nothing is in flight: every bot has received what the server
   * had for it (a marker round trip on its link) and finished its handlers,
   * every user has received what was sent to it, and a whole round saw no
   * frame move. Bots that are reconnecting are waited for. At most `within`
   * ms (then it returns; expectations report what they see).
   */
  async settle(within = this.within): Promise<void> {
    const bound = this.timers.delay(within);
    let expired = false;
    const timedOut = bound.promise.then(() => {
      expired = true;
    });
    try {
      while (!expired) {
        const before = this.activity();
        await Promise.race([this.settleRound(), timedOut]);
        if (!expired && this.activity() === before) return;
      }
    } finally {
      bound.cancel();
    }
  }

  /**
   * Cuts a bot's TCP link; resolves once it has reconnected and caught up.
   * `whileDown` runs after the link closed, and the bot cannot reconnect
   * until it is done: what users say in it, the bot gets from history.
   */
  async dropConnection(
    bot: Bot | string,
    options: { whileDown?: () => unknown } = {},
  ): Promise<void> {
    const entry = this.entries.entry(bot);
    const count = entry.connections;
    await entry.link.cut(options.whileDown);
    await this.entries.connected(entry, count + 1);
    await this.settle();
  }

  /**
   * Stops the server and starts it again on the same port; resolves once
   * every bot has reconnected and caught up. With the harness's memory
   * history the new server numbers every topic from 1 in a new epoch, as a
   * restarted `history: memory` server does: how a test checks that a bot
   * (a logger) notices and misses nothing. Users connected before are
   * disconnected for good; make new ones with `h.user`. `whileDown` runs
   * while no server listens.
   */
  async restartServer(options: { whileDown?: () => unknown } = {}): Promise<void> {
    const old = this.requireServer();
    const counts = this.entries.values().map((e) => [e, e.connections] as const);
    await old.stop();
    await options.whileDown?.();
    this.running = await startServer({ ...this.serverOptions!, port: old.port });
    await Promise.all(counts.map(([e, n]) => this.entries.connected(e, n + 1)));
    await this.settle();
  }

  /**
   * Stops a bot gracefully (handlers finish, cursors persisted, plugins'
   * stop hooks run) and starts it again with the same state folder; resolves
   * with the new bot once it has connected and caught up. `whileDown` runs
   * while the bot is stopped.
   */
  async restartBot(bot: Bot | string, options: { whileDown?: () => unknown } = {}): Promise<Bot> {
    const entry = this.entries.entry(bot);
    if (this.runner === undefined || entry.bot === undefined) {
      throw new Error(`${entry.id} has not started`);
    }
    const count = entry.connections;
    const fresh = await this.runner.restart(entry.bot, options.whileDown);
    await this.entries.connected(entry, count + 1);
    await this.settle();
    return fresh;
  }

  /**
   * Calls one of a bot's HTTP routes (`bot.http.post(…)`) as the listener
   * would, without a socket: `path` is the route's (`/github`), `body` a
   * string or bytes, or a plain object sent as JSON. Resolves with the response.
   */
  request(
    bot: Bot | string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response> {
    return botRequest(typeof bot === "string" ? this.bot(bot) : bot, method, path, body, headers);
  }

  /**
   * What the users received, one line per event (`#general <alice> !ping`),
   * each event once, grouped by topic (sorted) in seq order; times left out.
   */
  transcript(): string {
    return transcriptOf(this.users, this.domainName);
  }

  /**
   * Claims an error a bot reported (a handler that threw): resolves with
   * the first one not claimed yet whose message contains `match` (or
   * matches the RegExp, or passes the function), waiting up to `within`
   * ms. A claimed error does not fail `close()`.
   *
   * @example await h.expectError(/boom/);
   */
  expectError(match: ErrorMatch, options: { within?: number } = {}): Promise<Error> {
    // Made here so a failure points at the test's line.
    const failure = new Error();
    Error.captureStackTrace(failure, Harness.prototype.expectError);
    return this.errorLog.expect(match, options.within ?? this.within, failure);
  }

  /**
   * Stops the bots, closes the users and the server, removes the temporary
   * folder. Then it fails with `UnexpectedBotErrors` if a bot reported an
   * error the test did not claim (`expectError`) or allow (`allowErrors`),
   * and with `HarnessLeakError` if anything was left: a
   * connection the server still counts, a bot link not closed, a plugin
   * timer still scheduled on `h.clock`, a harness timer still set.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // -------------------------------------------------------------- internal --

  private async shutdown(): Promise<void> {
    const leaks: string[] = [];
    try {
      await this.runner?.stop();
    } finally {
      await Promise.all(this.users.map((u) => u.close()));
    }
    const server = this.running;
    if (server !== undefined) {
      const links = this.entries.values().map((e) => e.link);
      const bound = this.timers.delay(CLOSE_BOUND);
      await Promise.race([
        Promise.all([...links.map((l) => l.allClosed()), this.noConnections(server)]),
        bound.promise,
      ]);
      bound.cancel();
      this.connectionWaiters = [];
      for (const link of links) {
        if (link.openLinks > 0) leaks.push(`${link.botId}: ${link.openLinks} link(s) still open`);
      }
      const count = server.connectionCount();
      if (count > 0) {
        leaks.push(
          `the server still counts ${count} connection(s) after every bot and user closed`,
        );
      }
      await server.stop();
    }
    const pending = this.clock.pending();
    if (pending.length > 0) {
      leaks.push(
        `${pending.length} plugin timer(s) still scheduled on h.clock after the bots stopped (due in ${pending.join(", ")} ms)`,
      );
    }
    if (this.timers.size > 0) {
      leaks.push(`${this.timers.size} harness timer(s) still set`);
      this.timers.clearAll();
    }
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    const unexpected = this.options.allowErrors ? [] : this.errorLog.unexpected;
    if (unexpected.length > 0) throw new UnexpectedBotErrors(unexpected, leaks);
    if (leaks.length > 0) throw new HarnessLeakError(leaks);
  }

  private noConnections(server: RunningServer): Promise<void> {
    if (server.connectionCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  private serverLog(): Logger {
    return {
      log: (level, event, fields) => {
        if (event === "close" && this.running?.connectionCount() === 0) {
          for (const wake of this.connectionWaiters.splice(0)) wake();
        }
        if (level === "warn" || level === "error") {
          this.log(`server: ${level}: ${event} ${JSON.stringify(fields ?? {})}`);
        }
      },
    };
  }

  private log(line: string): void {
    this.logs.push(line);
    if (this.options.log !== undefined) this.options.log(line);
    else if (process.env.SCALARBOT_TEST_LOG === "1") console.log(line);
  }

  private requireServer(): RunningServer {
    if (this.running === undefined) throw new Error("the harness has not started");
    return this.running;
  }

  private async settleRound(): Promise<void> {
    const entries = this.entries.values();
    await Promise.all(
      entries.map(async (entry) => {
        const status = entry.bot?.status?.type;
        if (status !== undefined && WAITING.has(status) && !entry.link.isHeld) {
          await this.entries.connected(entry, entry.connections + 1).catch(() => {});
        }
        await entry.link.roundTrip();
      }),
    );
    await Promise.all(entries.map((e) => e.bot?.idle()));
    await Promise.all(this.users.map((u) => u.roundTrip()));
  }

  private activity(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.link.activity;
    for (const user of this.users) total += user.messages.length;
    return total;
  }

  private diagnostics(): string[] {
    const lines: string[] = [];
    for (const entry of this.entries.values()) {
      const status = entry.bot?.status;
      if (status !== undefined && status.type !== "connected") {
        lines.push(`bot ${entry.id} is ${describeStatus(status)}`);
      }
    }
    if (this.errors.length > 0) {
      lines.push("bot errors:", ...this.errors.map((e) => `  ${e.message}`));
    }
    return lines;
  }
}
