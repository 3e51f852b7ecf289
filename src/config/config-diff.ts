/**
 * What changed between two versions of a configuration, as a reload
 * applies it in place: bots are matched by ID (added ones start, removed
 * ones stop), a bot's plugin entries by their `use:` in order (added ones
 * are set up, removed ones released, those whose `with:` changed set up
 * again). What cannot change under a running bot — the server and `http`
 * sections, a bot's own settings (token, topics, state, admins, …), the
 * order of its plugins — is named instead: those need a restart.
 */
import type { BotConfig, Config, PluginEntry } from "./schema.ts";

export type PluginStep =
  /** Same entry, same options: nothing to do. */
  | { type: "keep"; old: number; now: number }
  /** Same entry, its `with:` changed: set up again with the new options. */
  | { type: "options"; old: number; now: number }
  | { type: "add"; now: number }
  | { type: "remove"; old: number };

/** A bot in both versions (by ID) and what happens to its plugins. */
export interface BotChange {
  id: string;
  /** Its place in the old and in the new file's `bots`. */
  old: number;
  now: number;
  steps: PluginStep[];
}

export interface ConfigDiff {
  /** What only a restart applies, a line each; empty when the whole change applies in place. */
  restart: string[];
  /** Places in the new file's `bots` of bots it adds. */
  added: number[];
  /** Places in the old file's `bots` of bots it no longer has. */
  removed: number[];
  /** Every bot of both, with its plugin steps. */
  kept: BotChange[];
}

/** A bot's settings other than its plugins and ID, which only a restart changes. */
const BOT_SETTINGS = [
  "token",
  "topics",
  "state",
  "backlog",
  "admins",
  "ownMessages",
  "reconnect",
  "keepalive",
] as const satisfies readonly (keyof BotConfig)[];

export function diffConfigs(old: Config, now: Config): ConfigDiff {
  const restart: string[] = [];
  if (!Bun.deepEquals(old.server, now.server)) restart.push("server: changed");
  if (!Bun.deepEquals(old.http, now.http)) restart.push("http: changed");
  const byId = new Map(old.bots.map((b, i) => [b.id.toLowerCase(), i]));
  const added: number[] = [];
  const kept: BotChange[] = [];
  const seen = new Set<number>();
  for (const [i, bot] of now.bots.entries()) {
    const j = byId.get(bot.id.toLowerCase());
    if (j === undefined) {
      added.push(i);
      continue;
    }
    seen.add(j);
    const change = diffBot(old.bots[j]!, bot, i);
    restart.push(...change.restart);
    kept.push({ id: bot.id, old: j, now: i, steps: change.steps });
  }
  const removed = old.bots.flatMap((_, j) => (seen.has(j) ? [] : [j]));
  return { restart, added, removed, kept };
}

/** One bot's change: what needs a restart, and its plugins' steps. `now` is its new place. */
export function diffBot(
  old: BotConfig,
  bot: BotConfig,
  now: number,
): { restart: string[]; steps: PluginStep[] } {
  const restart: string[] = [];
  const where = `bots[${now}] (${bot.id})`;
  for (const key of BOT_SETTINGS) {
    if (!Bun.deepEquals(old[key], bot[key])) restart.push(`${where}: ${key} changed`);
  }
  const steps = pluginSteps(old.plugins, bot.plugins);
  if (!inOrder(steps)) restart.push(`${where}: its plugins are in another order`);
  return { restart, steps };
}

/** Each new entry matched to the first unmatched old one with the same `use:`. */
function pluginSteps(old: readonly PluginEntry[], now: readonly PluginEntry[]): PluginStep[] {
  const taken = new Set<number>();
  const steps: PluginStep[] = [];
  for (const [k, entry] of now.entries()) {
    const j = old.findIndex((e, at) => !taken.has(at) && e.use === entry.use);
    if (j < 0) {
      steps.push({ type: "add", now: k });
      continue;
    }
    taken.add(j);
    const same = Bun.deepEquals(old[j]!.with ?? {}, entry.with ?? {});
    steps.push({ type: same ? "keep" : "options", old: j, now: k });
  }
  for (const j of old.keys()) if (!taken.has(j)) steps.push({ type: "remove", old: j });
  return steps;
}

/** Whether the plugins both versions have keep their order. */
function inOrder(steps: readonly PluginStep[]): boolean {
  let last = -1;
  for (const step of steps) {
    if (step.type !== "keep" && step.type !== "options") continue;
    if (step.old < last) return false;
    last = step.old;
  }
  return true;
}
