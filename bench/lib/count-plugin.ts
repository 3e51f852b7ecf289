/**
 * A no-op plugin that counts the messages it is handed (replayed ones
 * included), so a benchmark can wait for the last one.
 */
import { definePlugin } from "../../src/bot/api.ts";

let handled = 0;
let waiter: { target: number; resolve: () => void } | undefined;

/** Resolves once `target` messages have been handled in all. */
export function handledReaches(target: number): Promise<void> {
  if (handled >= target) return Promise.resolve();
  return new Promise((resolve) => {
    waiter = { target, resolve };
  });
}

export function resetCount(): void {
  handled = 0;
  waiter = undefined;
}

export default definePlugin({
  name: "count",
  setup(bot) {
    bot.on(
      "message",
      () => {
        handled++;
        if (waiter !== undefined && handled >= waiter.target) {
          waiter.resolve();
          waiter = undefined;
        }
      },
      { replayed: true, own: false },
    );
  },
});
