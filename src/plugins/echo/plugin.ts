/**
 * The `echo` plugin as a bot runs it, without its options schema
 * (options.ts; ../echo.ts joins the two). It answers `!echo some text`
 * with `some text` (in a channel or a direct message), and echoes every
 * other direct message back to its sender, except commands: a direct
 * `!help` gets the help, not an echo too. Live messages only (no answers to replayed history), never its
 * own. A command word made of the bot's prefix and a name is a command
 * (listed by `!help`); any other word is matched as written.
 */
import { definePlugin } from "../../bot/index.ts";
import type { EchoOptions } from "./options.ts";

/** The text to echo for a message body, or undefined. */
export function echoText(body: string, command: string): string | undefined {
  if (body === command) return undefined;
  if (!body.startsWith(`${command} `)) return undefined;
  const text = body.slice(command.length + 1).trim();
  return text === "" ? undefined : text;
}

export default definePlugin<EchoOptions>({
  name: "echo",
  setup(bot, options) {
    /** A body some plugin of the bot answers as a command, or the echo word itself. */
    const isCommand = (body: string): boolean => {
      if (echoText(body, options.command) !== undefined || body === options.command) return true;
      if (!body.startsWith(bot.prefix)) return false;
      const word = body.slice(bot.prefix.length).split(/\s/, 1)[0]!;
      return word !== "" && bot.commands.find(word) !== undefined;
    };
    if (options.direct) {
      bot.on(
        (ctx) =>
          ctx.direct &&
          ctx.kind === "message" &&
          ctx.body !== "" &&
          !ctx.answered &&
          !isCommand(ctx.body),
        (ctx) => ctx.reply(ctx.body),
      );
    }
    const name = options.command.startsWith(bot.prefix)
      ? options.command.slice(bot.prefix.length)
      : undefined;
    if (name !== undefined && /^[a-z0-9][a-z0-9_-]{0,31}$/i.test(name)) {
      // A command: listed by !help; the text is echoed as written (quotes kept).
      bot.command(name, { args: "<text...>", help: "repeats the text" }, async (ctx) => {
        const text = echoText(ctx.body, ctx.body.slice(0, options.command.length));
        if (text !== undefined) await ctx.reply(text);
      });
      return;
    }
    bot.on("message", async (ctx) => {
      const text = echoText(ctx.body, options.command);
      if (text !== undefined) await ctx.reply(text);
    });
  },
});
