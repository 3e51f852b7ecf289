/**
 * The `echo` plugin: answers `!echo some text` with `some text` (in a
 * channel or a direct message), and echoes every other direct message back
 * to its sender, except commands: a direct `!help` gets the help, not an
 * echo too. Live messages only (no answers to replayed history), never its
 * own. A command word made of the bot's prefix and a name is a command
 * (listed by `!help`); any other word is matched as written.
 */
import { z } from "zod";
import { definePlugin } from "../bot/index.ts";

export const echoOptions = z
  .object({
    /** The command word that triggers an echo in a channel (default `!echo`). */
    command: z.string({ error: 'expected a command word like "!echo"' }).min(1).default("!echo"),
    /** Echo direct messages back to their sender (default true). */
    direct: z.boolean({ error: "expected true or false" }).default(true),
  })
  .strict();
export type EchoOptions = z.output<typeof echoOptions>;

/** The text to echo for a message body, or undefined. */
export function echoText(body: string, command: string): string | undefined {
  if (body === command) return undefined;
  if (!body.startsWith(`${command} `)) return undefined;
  const text = body.slice(command.length + 1).trim();
  return text === "" ? undefined : text;
}

export default definePlugin({
  name: "echo",
  options: echoOptions,
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
