/**
 * Karma: `alice++` and `bob--` in a channel, `!karma [who]`, `!top [n]`,
 * and an optional summary posted on a schedule. Scores live in the plugin's
 * store, so they survive restarts. Only types come from scalarbot (see
 * bots/greeter.ts), so a copy runs from any folder.
 *
 * ```yaml
 * - use: ./bots/karma.ts
 *   with: { summary: { every: "0 17 * * 5", topic: "#general" } }
 * ```
 */
import type { Plugin, Store } from "scalarbot/plugins";
import { z } from "zod";

const options = z
  .object({
    /** Post the top scores on a schedule (cron expression or duration). */
    summary: z
      .object({ every: z.string(), topic: z.string(), timezone: z.string().optional() })
      .strict()
      .optional(),
    /** Seconds before the same person may vote for the same name again. */
    cooldown: z.number().positive().default(30),
  })
  .strict();

/** `Alice` and `alice@localhost` are the same person. */
const key = (name: string) => `score:${name.toLowerCase().split("@")[0]}`;

function scores(store: Store): { name: string; score: number }[] {
  return store
    .keys("score:")
    .map((k) => ({ name: k.slice("score:".length), score: store.get<number>(k) ?? 0 }))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}

function top(store: Store, n: number): string {
  const list = scores(store).slice(0, n);
  if (list.length === 0) return "no karma yet";
  return list.map((s, i) => `${i + 1}. ${s.name} (${s.score})`).join(", ");
}

export default {
  name: "karma",
  options,
  setup(bot, { summary, cooldown }) {
    bot.hears(
      /^@?([\w.-]+)(\+\+|--)\s*$/,
      { cooldown: { seconds: cooldown, per: "user" } },
      async (ctx) => {
        const [, name, op] = ctx.match;
        if (key(name!) === key(ctx.from)) return ctx.reply("no voting for yourself");
        const score = (ctx.store.get<number>(key(name!)) ?? 0) + (op === "++" ? 1 : -1);
        ctx.store.set(key(name!), score);
        await ctx.reply(`${name!.toLowerCase()} now has ${score} karma`);
      },
    );
    bot.command(
      "karma",
      { args: "[who]", help: "shows someone's karma (yours by default)" },
      (ctx) => {
        const who = ctx.command.args.who ?? ctx.from.split("@")[0]!;
        return ctx.reply(`${who.toLowerCase()} has ${ctx.store.get<number>(key(who)) ?? 0} karma`);
      },
    );
    bot.command(
      "top",
      { args: "[n:int]", help: "the highest scores", aliases: ["leaderboard"] },
      (ctx) => ctx.reply(top(ctx.store, Math.min(Math.max(ctx.command.args.n ?? 5, 1), 20))),
    );
    bot.command(
      "karma-reset",
      { args: "<who>", help: "forgets someone's karma", permission: "admin" },
      (ctx) => {
        ctx.store.delete(key(ctx.command.args.who));
        return ctx.reply(`${ctx.command.args.who.toLowerCase()} starts again from 0`);
      },
    );
    if (summary !== undefined) {
      bot.every(
        summary.every,
        (tick) => tick.send(summary.topic, `Karma leaderboard: ${top(tick.store, 5)}`),
        summary.timezone === undefined ? {} : { timezone: summary.timezone },
      );
    }
  },
} satisfies Plugin<z.output<typeof options>>;
