/**
 * A plugin: `!hello [name]` answers with the configured greeting. Its
 * options are checked against the schema when the bots start (and by
 * `scalar validate bots.yaml`).
 */
import { definePlugin, z } from "scalarbot/plugins";

export default definePlugin({
  name: "hello",
  options: z.object({ greeting: z.string().default("Hello") }),
  setup(bot, { greeting }) {
    bot.command("hello", { args: "[name]", help: "says hello" }, (ctx) => {
      const name = ctx.command.args.name ?? ctx.from.split("@")[0];
      return ctx.reply(`${greeting}, ${name}!`);
    });
  },
});
