import type { Clock } from "../client/clock.ts";
import type { SentReply } from "../protocol/index.ts";
import type {
  BotApi,
  Chain,
  EveryOptions,
  Log,
  SessionContext,
  TickContext,
  Timer,
} from "./api.ts";
import type { ChainSettings, Composer } from "./composer.ts";
import type { Conversation, ConversationSpec } from "./conversations/conversation.ts";
import type { PluginHost } from "./host.ts";
import type { HttpRoutes } from "./routes.ts";
import type { AtOptions } from "./state/reminders.ts";
import type { SessionOptions } from "./state/session.ts";
import type { Store } from "./store.ts";

/**
 * The bot's own members as a plugin named "bot" (handy in tests and small
 * scripts): each forwards to that plugin's view, as a configured plugin's
 * own view would. Kept apart from `Bot`, which is about the connection,
 * dispatch and lifecycle.
 */
export abstract class OwnPluginView {
  private ownHost: PluginHost | undefined;
  /** Time for plugins (`every`, cooldowns). */
  abstract readonly pluginClock: Clock;
  /** Command registry, cooldowns and admins shared by every plugin's chain. */
  abstract readonly chainSettings: ChainSettings;
  abstract forPlugin(plugin: string, log?: Log): BotApi;

  private get self(): PluginHost {
    this.ownHost ??= this.forPlugin("bot") as PluginHost;
    return this.ownHost;
  }

  /** Same as a plugin's `on`, as the plugin named "bot" (see BotApi). */
  get on(): BotApi["on"] {
    const host = this.self;
    return host.on.bind(host);
  }

  get use(): Chain["use"] {
    return this.self.use;
  }

  get filter(): Chain["filter"] {
    return this.self.filter;
  }

  get hears(): Chain["hears"] {
    return this.self.hears;
  }

  get command(): Chain["command"] {
    return this.self.command;
  }

  get http(): HttpRoutes {
    return this.self.http;
  }

  every(schedule: string, fn: (tick: TickContext) => unknown, options?: EveryOptions): Timer {
    return this.self.every(schedule, fn, options);
  }

  conversation(name: string, spec: ConversationSpec): Conversation {
    return this.self.conversation(name, spec);
  }

  session<T>(options: SessionOptions<T>): Composer<SessionContext<T>> {
    return this.self.session(options);
  }

  at(when: Date | number | string, key: string, payload?: unknown, options?: AtOptions): Date {
    return this.self.at(when, key, payload, options);
  }

  cancelAt(key: string): boolean {
    return this.self.cancelAt(key);
  }

  get store(): Store {
    return this.self.store;
  }

  dm(id: string, text: string): Promise<SentReply[]> {
    return this.self.dm(id, text);
  }

  get clock(): Clock {
    return this.pluginClock;
  }

  get commands(): BotApi["commands"] {
    return this.chainSettings.commands;
  }

  get prefix(): string {
    return this.chainSettings.prefix;
  }

  isAdmin(id: string): boolean {
    return this.chainSettings.isAdmin(id);
  }
}
