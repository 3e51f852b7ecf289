// bots/hello.ts
import { definePlugin } from "scalarbot/plugins";

export default definePlugin({
  setup(bot) {
    bot.command("ping", { help: "is the bot there?" }, (ctx) => ctx.reply(`pong, ${ctx.from}`));
    bot.hears(/\bthank(s| you)\b/i, (ctx) => ctx.reply("any time!"));
  },
});
