/**
 * The harness's bots by ID: each with the link the harness dialed for it,
 * the bot itself (the current one after a restart), and a count of its
 * connections that waits can be made on.
 */
import type { Bot } from "../bot/bot.ts";
import { BotLink } from "./link.ts";
import { fullName } from "./match.ts";
import type { TimerSet } from "./timers.ts";

export interface BotEntry {
  id: string;
  link: BotLink;
  bot: Bot | undefined;
  /** How many times it reached `connected`. */
  connections: number;
  listeners: Set<() => void>;
}

export class BotEntries {
  private readonly byId = new Map<string, BotEntry>();

  constructor(
    private readonly domain: () => string,
    private readonly timers: TimerSet,
    private readonly within: number,
  ) {}

  /** In configuration order. */
  values(): BotEntry[] {
    return [...this.byId.values()];
  }

  /** The entry of a configured ID, made on first use. */
  entryFor(configuredId: string): BotEntry {
    const id = fullName(configuredId, this.domain());
    let entry = this.byId.get(id);
    if (entry === undefined) {
      entry = { id, link: new BotLink(id), bot: undefined, connections: 0, listeners: new Set() };
      this.byId.set(id, entry);
    }
    return entry;
  }

  /** The entry of a bot, or of an ID (`greeter` or `greeter@test.local`). */
  entry(bot: Bot | string): BotEntry {
    const id = typeof bot === "string" ? fullName(bot, this.domain()) : undefined;
    for (const entry of this.byId.values()) {
      if (entry.id === id || (entry.bot !== undefined && entry.bot === bot)) return entry;
    }
    const known = [...this.byId.keys()].join(", ");
    throw new Error(`no bot ${typeof bot === "string" ? bot : bot.id} (bots: ${known})`);
  }

  /** Follows a (new) bot of a configured ID: counts its connections. */
  track(bot: Bot, configuredId: string): void {
    const entry = this.entryFor(configuredId);
    entry.bot = bot;
    bot.on("status", ({ status }) => {
      if (entry.bot !== bot) return;
      if (status.type === "connected") entry.connections++;
      for (const wake of [...entry.listeners]) wake();
    });
  }

  /** Resolves once the bot has connected `count` times; rejects if it gives up or time runs out. */
  connected(entry: BotEntry, count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const status = entry.bot?.status;
        if (entry.connections >= count) return done();
        if (status?.type === "gave_up" || status?.type === "stopped") {
          return done(new Error(`${entry.id} did not connect: ${describeStatus(status)}`));
        }
      };
      const timer = this.timers.set(
        () =>
          done(
            new Error(
              `${entry.id} did not connect within ${this.within} ms (last status: ${describeStatus(entry.bot?.status)})`,
            ),
          ),
        this.within,
      );
      const done = (error?: Error) => {
        this.timers.clear(timer);
        entry.listeners.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      entry.listeners.add(check);
      check();
    });
  }
}

/** `reconnecting (reason)`, `not started`. */
export function describeStatus(status: Bot["status"]): string {
  if (status === undefined) return "not started";
  if ("reason" in status) return `${status.type} (${status.reason})`;
  return status.type;
}
