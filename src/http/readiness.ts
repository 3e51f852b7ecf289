/**
 * Whether a bot is ready: connected, subscribed to every configured topic
 * and caught up (each topic read at least to the `subscribed.seq` of this
 * connection). `/readyz` answers with one entry a bot.
 */
import type { Bot } from "../bot/bot.ts";
import { describeStatus } from "../client/status.ts";

export type BotState =
  | "ready"
  | "connecting"
  | "subscribing"
  | "catching_up"
  | "gave_up"
  | "stopped";

export interface BotReadiness {
  bot: string;
  ready: boolean;
  state: BotState;
  /** Why it is not ready, in words. */
  reason?: string;
  /** Events it still has to read, all topics (`catching_up`). */
  behind?: number;
}

export interface Readiness {
  ready: boolean;
  bots: BotReadiness[];
}

export function botReadiness(bot: Bot): BotReadiness {
  const status = bot.status;
  const id = bot.id;
  if (status === undefined)
    return { bot: id, ready: false, state: "connecting", reason: "not started" };
  switch (status.type) {
    case "stopped":
      return { bot: id, ready: false, state: "stopped", reason: "stopped" };
    case "gave_up":
      return { bot: id, ready: false, state: "gave_up", reason: describeStatus(status) };
    case "connecting":
    case "reconnecting":
    case "disconnected":
      return { bot: id, ready: false, state: "connecting", reason: describeStatus(status) };
    case "reset":
    case "connected":
      break;
  }
  const cursors = bot.connection.cursors();
  const unsubscribed: string[] = [];
  const lagging: string[] = [];
  let behind = 0;
  for (const [topic, cursor] of cursors) {
    if (cursor.subscribed === undefined) {
      unsubscribed.push(topic);
      continue;
    }
    const lag = Math.max(0, cursor.subscribed - cursor.seq);
    if (!cursor.catchingUp && lag === 0) continue;
    behind += lag;
    lagging.push(lag > 0 ? `${topic}: ${lag}` : `${topic}: filling a gap`);
  }
  if (unsubscribed.length > 0) {
    return {
      bot: id,
      ready: false,
      state: "subscribing",
      reason: `not subscribed to ${unsubscribed.join(", ")}`,
    };
  }
  if (lagging.length > 0) {
    return {
      bot: id,
      ready: false,
      state: "catching_up",
      reason: `catching up${behind > 0 ? ` ${behind} event${behind === 1 ? "" : "s"}` : ""} (${lagging.join("; ")})`,
      behind,
    };
  }
  return { bot: id, ready: true, state: "ready" };
}

/** Every bot's readiness; ready when all are (and when there are none). */
export function readiness(bots: readonly Bot[]): Readiness {
  const each = bots.map(botReadiness);
  return { ready: each.every((b) => b.ready), bots: each };
}
