/**
 * Plugins changed on a running bot, in place (`Bot.changePlugins`): the
 * connection stays up, and the bot's dispatch pauses at an event boundary
 * — what arrives meanwhile is held, in order, and handed on once the
 * change is done — so each event is handled once, by the old version of a
 * plugin or by the new one. The old version is retired (handlers,
 * commands, schedules, routes, questions and hooks dropped, its stop hooks
 * run) before the new one is set up in its place; stores, cursors and
 * saved conversation state stay, as over a restart.
 */
import type { SyncItem } from "../client/catch-up.ts";
import type { Status } from "../client/status.ts";
import type { BotApi, Log } from "./api.ts";
import type { Registration } from "./dispatch.ts";
import type { PluginHost } from "./host.ts";

/** What a reload did, for the one who asked (`!reload`, `scalar run --watch`). */
export interface ReloadReport {
  /** What changed, a line each (`plugin hello reloaded`). */
  done: string[];
  /** What could not be loaded or set up, located (file:line): the old version of each runs on. */
  failed: string[];
}

/** Reloads one plugin of a bot (by name) or all of them, from disk. */
export type Reloader = (plugin: string | undefined) => Promise<ReloadReport>;

/**
 * Reloads plugins of the bot `view` belongs to from disk: `plugin` (a
 * name) or every one, each with its options as the configuration file
 * now says. Only bots run from a configuration can (others reject).
 * Resolves once the change is done: do not await it inside a handler of
 * the same bot (the change waits for that handler to finish).
 */
export function reloadPlugins(view: BotApi, plugin?: string): Promise<ReloadReport> {
  const host = view as Partial<Pick<PluginHost, "reloadPlugins">>;
  if (typeof host.reloadPlugins !== "function") {
    return Promise.reject(new TypeError("reloadPlugins: expected a plugin's view of a bot"));
  }
  return host.reloadPlugins(plugin);
}

/** A plugin to set up: its name (its store's too), log and setup on its view. */
export interface PluginSpec {
  name: string;
  log?: Log;
  setup(view: BotApi): unknown;
}

/** What `replace` left in the plugin's place. */
export interface Replaced {
  /** The new version, the old one set up again (`error` set), or nothing (both failed). */
  view: BotApi | undefined;
  /** What the new version's setup threw. */
  error?: unknown;
}

/** The changes `Bot.changePlugins` allows while dispatch is paused. */
export interface PluginEdit {
  /** Retires a plugin: nothing of it runs any more; its store stays. */
  remove(view: BotApi): Promise<void>;
  /**
   * Sets up a plugin before `before` (default: after all others) and arms
   * its timers on a started bot. @throws what its setup threw (nothing of it is left)
   */
  add(spec: PluginSpec, before?: BotApi): Promise<BotApi>;
  /**
   * Retires `old` and sets up `next` in its place; when that setup throws,
   * `fallback` (the old version) is set up there again.
   */
  replace(old: BotApi, next: PluginSpec, fallback: PluginSpec): Promise<Replaced>;
}

/** What the editor needs of the bot. */
export interface EditableBot {
  /** The bot's plugin views in dispatch order (edited in place). */
  readonly hosts: PluginHost[];
  registrations(): Registration[];
  setRegistrations(list: Registration[]): void;
  makeHost(name: string, log: Log | undefined): PluginHost;
  started(): boolean;
  /** Runs a retired plugin's stop hook, bounded and reported as the bot's own are. */
  runStopHook(hook: () => unknown): Promise<void>;
}

export class PluginEditor implements PluginEdit {
  constructor(private readonly bot: EditableBot) {}

  async remove(view: BotApi): Promise<void> {
    const host = this.hostOf(view);
    await host.retire((hook) => this.bot.runStopHook(hook));
    const { hosts } = this.bot;
    const at = hosts.indexOf(host);
    if (at >= 0) hosts.splice(at, 1);
  }

  async add(spec: PluginSpec, before?: BotApi): Promise<BotApi> {
    const { bot } = this;
    const host = bot.makeHost(spec.name, spec.log);
    const next = before === undefined ? -1 : bot.hosts.indexOf(this.hostOf(before));
    const at = next < 0 ? bot.hosts.length : next;
    bot.hosts.splice(at, 0, host);
    const mark = bot.registrations().length;
    try {
      await spec.setup(host);
    } catch (error) {
      await this.remove(host);
      throw error;
    }
    this.place(host, mark, at);
    if (bot.started()) host.startTimers();
    return host;
  }

  async replace(old: BotApi, next: PluginSpec, fallback: PluginSpec): Promise<Replaced> {
    const { hosts } = this.bot;
    const after = hosts[hosts.indexOf(this.hostOf(old)) + 1];
    await this.remove(old);
    try {
      return { view: await this.add(next, after) };
    } catch (error) {
      const view = await this.add(fallback, after).catch(() => undefined);
      return { view, error };
    }
  }

  private hostOf(view: BotApi): PluginHost {
    const host = this.bot.hosts.find((h) => h === view);
    if (host === undefined) throw new RangeError("not a plugin of this bot");
    return host;
  }

  /**
   * Moves the handlers `host` registered in its setup (appended since
   * `mark`) to where its place among the plugins says, so the plugins'
   * chains still run in the configuration's order.
   */
  private place(host: PluginHost, mark: number, at: number): void {
    const all = this.bot.registrations();
    const own = all.filter((r, i) => i >= mark && r.plugin === host.name);
    if (own.length === 0) return;
    const rest = all.filter((r) => !own.includes(r));
    const later = new Set(this.bot.hosts.slice(at + 1).map((h) => h.name));
    const first = rest.findIndex((r) => later.has(r.plugin));
    const cut = first < 0 ? rest.length : first;
    this.bot.setRegistrations([...rest.slice(0, cut), ...own, ...rest.slice(cut)]);
  }
}

/**
 * Holds a bot's dispatch while its plugins change: items and statuses
 * that arrive are kept, in order, and handed on after. One change at a
 * time; a second waits for the first.
 */
export class DispatchPause {
  private held: [string, SyncItem, boolean][] | undefined;
  private statuses: Status[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** True while a change runs or waits. */
  get busy(): boolean {
    return this.waiting > 0;
  }

  /** Keeps the item while paused; false when it is to be handed on now. */
  holdItem(topic: string, item: SyncItem, tracked: boolean): boolean {
    if (this.held === undefined) return false;
    this.held.push([topic, item, tracked]);
    return true;
  }

  /** Keeps a status for the plugins' status handlers while paused. */
  holdStatus(status: Status): boolean {
    if (this.held === undefined) return false;
    this.statuses.push(status);
    return true;
  }

  /** Drops held items: the bot went back to its saved cursors, so they come again. */
  discard(): void {
    if (this.held !== undefined) this.held = [];
  }

  /** Resolves once no change runs or waits. */
  async settled(): Promise<void> {
    while (this.waiting > 0) await this.queue.catch(() => {});
  }

  /**
   * Runs `change` with dispatch held, once `drain` (what was handed on
   * before finished) resolved; then hands on what was held.
   */
  run<T>(
    drain: () => Promise<void>,
    change: () => Promise<T>,
    deliver: {
      item(topic: string, item: SyncItem, tracked: boolean): void;
      status(s: Status): void;
    },
  ): Promise<T> {
    this.waiting++;
    const run = this.queue.then(async () => {
      this.held = [];
      try {
        await drain();
        return await change();
      } finally {
        const held = this.held;
        const statuses = this.statuses;
        this.held = undefined;
        this.statuses = [];
        for (const [topic, item, tracked] of held) deliver.item(topic, item, tracked);
        for (const status of statuses) deliver.status(status);
      }
    });
    const counted = run.finally(() => {
      this.waiting--;
    });
    this.queue = counted.catch(() => {});
    return counted;
  }
}
