/**
 * An example plugin: greets whoever joins a channel and answers the
 * `!hello` command. Live events only (replayed history is skipped), never
 * its own messages.
 *
 * Configure it with `- use: ./bots/greeter.ts` and optionally
 * `with: { greeting: "Hi" }`.
 */
import { z } from "zod";
import { definePlugin } from "../src/plugins/api.ts";

const options = z
  .object({
    greeting: z.string().default("Welcome"),
  })
  .strict();

export default definePlugin({
  name: "greeter",
  options,
  setup(bot, { greeting }) {
    const local = (id: string) => id.split("@")[0];
    bot.on("join", async (ctx) => {
      if (ctx.own) return;
      await ctx.reply(`${greeting}, ${local(ctx.from)}! Say !hello to me.`);
    });
    bot.command("hello", { help: "says hello" }, (ctx) => ctx.reply(`Hello, ${local(ctx.from)}!`));
    bot.on("status", ({ status }) => {
      if (status.type === "connected") bot.log.info(`ready on ${bot.topics.join(", ")}`);
    });
  },
});
