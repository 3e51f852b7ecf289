/**
 * The `reload` plugin as a bot runs it, without its options schema
 * (options.ts; ../reload.ts joins the two): `!reload [plugin]`, for the
 * bot's `admins` only, loads the bot's plugins (or the one named) again
 * from disk while it runs — their options as the configuration file now
 * says — and answers what changed, or why a plugin runs on as it was
 * (file:line). Others are refused as any admin-only command refuses them.
 */
import { definePlugin, type ReloadReport, reloadPlugins } from "../../bot/index.ts";

/** The answer: what changed, then what failed, a line each. */
export function describeReload(report: ReloadReport): string {
  const lines = [...report.done, ...report.failed];
  return lines.length === 0 ? "nothing to reload" : lines.join("\n");
}

export default definePlugin({
  name: "reload",
  setup(bot) {
    bot.command(
      "reload",
      {
        args: "[plugin]",
        help: "load the bot's plugins (or the one named) again from disk",
        permission: "admin",
      },
      (ctx) => {
        const plugin = ctx.command.args.plugin;
        // Not awaited: the reload waits for the bot's handlers, this one too.
        void reloadPlugins(bot, typeof plugin === "string" ? plugin : undefined).then(
          (report) => ctx.reply(describeReload(report)),
          (error: unknown) =>
            ctx.reply(`${bot.prefix}reload: ${error instanceof Error ? error.message : error}`),
        );
      },
    );
  },
});
