// bots/hello.ts
import type { Plugin } from "scalarbot/plugins";

export default {
  setup(bot) {
    bot.command("ping", { help: "is the bot there?" }, (ctx) => ctx.reply(`pong, ${ctx.from}`));
    bot.hears(/\bthank(s| you)\b/i, (ctx) => ctx.reply("any time!"));
  },
} satisfies Plugin;
