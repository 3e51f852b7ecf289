/**
 * An example plugin: greets whoever joins a channel and answers the
 * `!hello` command. Live events only (replayed history is skipped), never
 * its own messages.
 *
 * Configure it with `- use: ./bots/greeter.ts` and optionally
 * `with: { greeting: "Hi" }`.
 *
 * Only types come from scalarbot (`import type` is erased when the file
 * runs), so a copy of this file runs from any folder `scalar run` is given;
 * zod is its one runtime dependency. Inside a project that depends on
 * scalarbot, `definePlugin` from "scalarbot/plugins" does the same typing.
 */
import type { Plugin } from "scalarbot/plugins";
import { z } from "zod";

const options = z
  .object({
    greeting: z.string().default("Welcome"),
  })
  .strict();

export default {
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
} satisfies Plugin<z.output<typeof options>>;
