/**
 * A bot's side of its plugins: what their views need of it
 * (`PluginHostBot`) and what the plugin editor changes (`EditableBot`),
 * made from the bot's public members and the few internals given here.
 */
import type { Clock } from "../client/clock.ts";
import { RuntimeError } from "../client/errors.ts";
import type { SentReply } from "../protocol/index.ts";
import type { HistoryEvent, HistoryQuery, Log } from "./api.ts";
import type { ChainSettings } from "./composer.ts";
import { isAskCancelled } from "./conversations/ask.ts";
import type { Registration } from "./dispatch.ts";
import { HandlerError } from "./errors.ts";
import { PluginHost, type PluginHostBot } from "./host.ts";
import type { EditableBot, Reloader } from "./reload.ts";
import type { RouteTable } from "./routes.ts";
import type { BotState } from "./state/bot-state.ts";
import type { Store } from "./store.ts";

/** The bot's members its plugins use. */
export interface HostingBot {
  readonly id: string;
  readonly topics: readonly string[];
  readonly log: Log;
  readonly pluginClock: Clock;
  readonly chainSettings: ChainSettings;
  readonly routes: RouteTable;
  readonly reloader: Reloader | undefined;
  send(topic: string, text: string): Promise<SentReply[]>;
  history(topic: string, query?: HistoryQuery): Promise<HistoryEvent[]>;
  onStart(fn: () => unknown): () => void;
  onStop(fn: () => unknown): () => void;
  onCheckpoint(fn: () => unknown): () => void;
  resolve(path: string): string;
}

/** The bot's internals its plugins use. */
export interface BotInternals {
  readonly state: BotState;
  readonly hosts: PluginHost[];
  started(): boolean;
  registrations(): Registration[];
  setRegistrations(list: Registration[]): void;
  store(plugin: string): Store;
  report(error: Error): void;
  runStopHook(hook: () => unknown): Promise<void>;
}

export function hostBotOf(bot: HostingBot, internals: BotInternals): PluginHostBot {
  const { registrations, setRegistrations, report } = internals;
  return {
    get id() {
      return bot.id;
    },
    topics: bot.topics,
    pluginClock: bot.pluginClock,
    chainSettings: bot.chainSettings,
    routes: bot.routes,
    state: internals.state,
    get started() {
      return internals.started();
    },
    register: (name, handler, options, plugin) => {
      registrations().push({ name, handler, options, plugin });
    },
    unregister: (plugin) => setRegistrations(registrations().filter((r) => r.plugin !== plugin)),
    send: (topic, text) => bot.send(topic, text),
    history: (topic, query) => bot.history(topic, query),
    store: (plugin) => internals.store(plugin),
    report,
    pluginError: (plugin, registration, ctx, error) => {
      // A handler that did not catch the end of its question ends quietly.
      if (isAskCancelled(error)) return;
      const where = ctx as { topic?: unknown; seq?: unknown } | undefined;
      const at =
        typeof where?.topic === "string" && typeof where.seq === "number"
          ? { topic: where.topic, seq: where.seq }
          : undefined;
      report(new HandlerError(bot.id, plugin, registration, at, error));
    },
    onStart: (fn) => bot.onStart(fn),
    onStop: (fn) => bot.onStop(fn),
    onCheckpoint: (fn) => bot.onCheckpoint(fn),
    reload: (plugin) =>
      bot.reloader?.(plugin) ??
      Promise.reject(
        new RuntimeError(
          `${bot.id}: cannot reload plugins: the bot was not run from a configuration file`,
        ),
      ),
    resolve: (path) => bot.resolve(path),
  };
}

export function editableOf(
  bot: HostingBot,
  internals: BotInternals,
  hostBot: PluginHostBot,
): EditableBot {
  return {
    hosts: internals.hosts,
    registrations: internals.registrations,
    setRegistrations: internals.setRegistrations,
    makeHost: (name, log) => new PluginHost(hostBot, name, log ?? bot.log),
    started: internals.started,
    runStopHook: internals.runStopHook,
  };
}
