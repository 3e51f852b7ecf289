import type { EventContext, GapContext } from "../../src/bot/api.ts";
import type { Bot } from "../../src/bot/bot.ts";
import type { Status, StatusType } from "../../src/client/status.ts";

export type Seen =
  | {
      type: "event";
      topic: string;
      seq: number;
      from: string;
      body: string;
      replayed: boolean;
      kind: string;
    }
  | { type: "gap"; topic: string; from: number; to: number };

/** Records every event and gap a bot dispatches, and lets a test await a condition. */
export function record(bot: Bot) {
  const seen: Seen[] = [];
  const contexts: EventContext[] = [];
  let waiters: (() => void)[] = [];
  const changed = () => {
    for (const w of waiters.splice(0)) w();
  };
  bot.on(
    "event",
    (ctx) => {
      contexts.push(ctx);
      seen.push({
        type: "event",
        topic: ctx.topic,
        seq: ctx.seq,
        from: ctx.from,
        body: ctx.body,
        replayed: ctx.replayed,
        kind: ctx.kind,
      });
      changed();
    },
    { replayed: true, own: true },
  );
  bot.on("gap", (ctx: GapContext) => {
    seen.push({ type: "gap", topic: ctx.topic, from: ctx.from, to: ctx.to });
    changed();
  });
  return {
    seen,
    contexts,
    seqs: (topic: string) =>
      seen
        .filter(
          (s): s is Extract<Seen, { type: "event" }> => s.topic === topic && s.type === "event",
        )
        .map((s) => s.seq),
    async until(predicate: () => boolean): Promise<void> {
      while (!predicate()) await new Promise<void>((r) => waiters.push(r));
    },
    reset() {
      waiters = [];
    },
  };
}

/** Resolves with the next status of `type` the bot reports. */
export function nextStatus<T extends StatusType>(
  bot: Bot,
  type: T,
): Promise<Extract<Status, { type: T }>> {
  return new Promise((resolve) => {
    let done = false;
    bot.on("status", ({ status }) => {
      if (!done && status.type === type) {
        done = true;
        resolve(status as Extract<Status, { type: T }>);
      }
    });
  });
}
