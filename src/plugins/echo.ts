/**
 * The `echo` plugin: answers `!echo some text` in a channel with
 * `some text`, and echoes every direct message back to its sender. Live
 * messages only (no answers to replayed history), never its own.
 */
import { z } from "zod";
import { definePlugin } from "./api.ts";

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
    bot.on("message", async (ctx) => {
      if (ctx.direct) {
        if (options.direct && ctx.body !== "") await ctx.reply(ctx.body);
        return;
      }
      const text = echoText(ctx.body, options.command);
      if (text !== undefined) await ctx.reply(text);
    });
  },
});
