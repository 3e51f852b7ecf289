/**
 * The bots' Prometheus metrics (prom-client), labelled by bot (full ID),
 * topic (full name) or plugin — all configured, so the label sets stay
 * bounded — plus the process's defaults. The hot path (an event, a
 * handler) bumps plain numbers; prom-client reads them when scraped. A bot restarted under the same
 * configured ID continues its series.
 */
import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from "prom-client";
import type { EventKind } from "../bot/api.ts";
import type { Bot } from "../bot/bot.ts";
import type { BotObserver } from "../bot/observe.ts";
import { type HandlerSeries, HandlerTimes } from "./handler-times.ts";

/** Handler times span microseconds (a counter) to seconds (a network call). */
const HANDLER_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30];

/**
 * Defaults that say nothing true under Bun: it emits no `gc` performance
 * entries (the GC histogram stays empty), `getActiveResourcesInfo` and the
 * handle and request lists are always empty (so they read 0 with sockets
 * and timers open), JavaScriptCore has no V8 heap spaces (all but "old"
 * read 0), and the version is Node's that Bun imitates.
 */
const MISLEADING_UNDER_BUN = [
  "nodejs_gc_duration_seconds",
  "nodejs_active_resources",
  "nodejs_active_resources_total",
  "nodejs_active_handles",
  "nodejs_active_handles_total",
  "nodejs_active_requests",
  "nodejs_active_requests_total",
  "nodejs_heap_space_size_total_bytes",
  "nodejs_heap_space_size_used_bytes",
  "nodejs_heap_space_size_available_bytes",
  "nodejs_version_info",
];

let processRegistry: Registry | undefined;

/** The process's metrics (CPU, RSS, heap, open files, event-loop lag): one set a process. */
function processMetrics(): Registry {
  if (processRegistry !== undefined) return processRegistry;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISLEADING_UNDER_BUN) registry.removeSingleMetric(name);
  new Gauge({
    name: "scalarbot_runtime_info",
    help: "The Bun version the process runs on (always 1).",
    labelNames: ["bun"],
    registers: [registry],
  }).set({ bun: Bun.version }, 1);
  processRegistry = registry;
  return registry;
}

type KindCounts = Record<EventKind, number>;

/** One configured bot's numbers, kept across restarts of it. */
class BotSeries implements BotObserver {
  readonly events = new Map<string, KindCounts>();
  readonly errors = new Map<string, number>();
  readonly plugins = new Set<string>();
  private readonly timers = new Map<string, HandlerSeries>();
  messagesSent = 0;
  connections = 0;
  detach: () => void = () => {};

  constructor(
    public bot: Bot,
    private readonly histogram: HandlerTimes,
  ) {}

  event(topic: string, kind: EventKind): void {
    let counts = this.events.get(topic);
    if (counts === undefined) {
      counts = { message: 0, join: 0, leave: 0 };
      this.events.set(topic, counts);
    }
    counts[kind]++;
  }

  handler(plugin: string, seconds: number): void {
    let timer = this.timers.get(plugin);
    if (timer === undefined) {
      timer = this.histogram.series({ bot: this.bot.id, plugin });
      this.timers.set(plugin, timer);
      this.plugins.add(plugin);
    }
    timer.observe(seconds);
  }

  failed(plugin: string): void {
    this.plugins.add(plugin);
    this.errors.set(plugin, (this.errors.get(plugin) ?? 0) + 1);
  }

  status(status: { type: string }): void {
    if (status.type !== "connected") return;
    this.connections++;
    // The ID is in full form from now on: new histogram series take it.
    this.timers.clear();
  }

  sent(count: number): void {
    this.messagesSent += count;
  }
}

/**
 * The metrics of a process's bots. `attach` each bot (again after a
 * restart, with the same key); `text()` is the `/metrics` body.
 *
 * @example
 * ```ts
 * const metrics = new Metrics();
 * metrics.attach(bot);
 * console.log(await metrics.text());
 * ```
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, BotSeries>();
  private readonly histogram: HandlerTimes;

  constructor() {
    const registers = [this.registry];
    const all = () => [...this.series.values()];
    new Gauge({
      name: "scalarbot_bot_connected",
      help: "1 while the bot is connected to its server, else 0.",
      labelNames: ["bot"],
      registers,
      collect() {
        this.reset();
        for (const s of all())
          this.set({ bot: s.bot.id }, s.bot.status?.type === "connected" ? 1 : 0);
      },
    });
    new Counter({
      name: "scalarbot_events_handled_total",
      help: "Events handed to the bot's handlers (replayed ones included), by topic and kind.",
      labelNames: ["bot", "topic", "kind"],
      registers,
      collect() {
        this.reset();
        for (const s of all()) {
          for (const [topic, counts] of s.events) {
            for (const kind of ["message", "join", "leave"] as const) {
              this.inc({ bot: s.bot.id, topic, kind }, counts[kind]);
            }
          }
        }
      },
    });
    new Counter({
      name: "scalarbot_handler_errors_total",
      help: "Handler failures (thrown or rejected), by plugin.",
      labelNames: ["bot", "plugin"],
      registers,
      collect() {
        this.reset();
        for (const s of all()) {
          for (const plugin of s.plugins) {
            this.inc({ bot: s.bot.id, plugin }, s.errors.get(plugin) ?? 0);
          }
        }
      },
    });
    this.histogram = new HandlerTimes(
      "scalarbot_handler_duration_seconds",
      "How long a plugin's handlers took for one event (or status, gap, reset).",
      ["bot", "plugin"],
      HANDLER_BUCKETS,
    );
    this.registry.registerMetric(this.histogram as unknown as Metric);
    new Counter({
      name: "scalarbot_reconnects_total",
      help: "Connections the bot made after its first (after a drop, a server restart or a bot restart).",
      labelNames: ["bot"],
      registers,
      collect() {
        this.reset();
        for (const s of all()) this.inc({ bot: s.bot.id }, Math.max(0, s.connections - 1));
      },
    });
    new Gauge({
      name: "scalarbot_catchup_lag_events",
      help: "Events of the topic the bot has yet to read to reach the server's seq at subscribe (0 when caught up).",
      labelNames: ["bot", "topic"],
      registers,
      collect() {
        this.reset();
        for (const s of all()) {
          for (const [topic, cursor] of s.bot.connection.cursors()) {
            if (cursor.subscribed === undefined) continue;
            this.set({ bot: s.bot.id, topic }, Math.max(0, cursor.subscribed - cursor.seq));
          }
        }
      },
    });
    new Gauge({
      name: "scalarbot_outbound_queue",
      help: "Texts the bot was asked to send that the server has not yet taken.",
      labelNames: ["bot"],
      registers,
      collect() {
        this.reset();
        for (const s of all()) this.set({ bot: s.bot.id }, s.bot.outboundQueue);
      },
    });
    new Counter({
      name: "scalarbot_messages_sent_total",
      help: "Messages the server accepted from the bot (a long text counts each part).",
      labelNames: ["bot"],
      registers,
      collect() {
        this.reset();
        for (const s of all()) this.inc({ bot: s.bot.id }, s.messagesSent);
      },
    });
  }

  /**
   * Observes `bot` under `key` (its configured ID by default). A bot
   * attached under a key already seen (a restart) takes over its series.
   */
  attach(bot: Bot, key: string = bot.id): void {
    let series = this.series.get(key);
    if (series === undefined) {
      series = new BotSeries(bot, this.histogram);
      this.series.set(key, series);
    } else {
      series.detach();
      series.bot = bot;
    }
    // Attached after it connected: that connection is counted here.
    if (bot.status?.type === "connected") series.connections++;
    series.detach = bot.observe(series);
  }

  /** Stops observing every bot. */
  detachAll(): void {
    for (const s of this.series.values()) s.detach();
  }

  /** Prometheus text exposition (version 0.0.4). */
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  /** The bots' metrics and the process's. */
  text(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }
}
