/**
 * The `help` plugin: `!help` lists the bot's commands (every plugin's),
 * `!help name` shows one in full, and an unknown `!nmae` close to a known
 * name is answered with "did you mean !name?". A bot gets it with default
 * options as soon as it has a command; configure `use: help` to change them.
 */
import { type BotApi, type Context, definePlugin } from "./api.ts";
import type { RegisteredCommand } from "./commands.ts";

export interface HelpOptions {
  /** Answer near-miss unknown commands with "did you mean" (default true). */
  suggest: boolean;
}

/**
 * The options of the help every bot with a command gets. Here rather than
 * from the schema (help-options.ts), so a bot runs without zod loaded.
 */
export const HELP_DEFAULTS: Readonly<HelpOptions> = { suggest: true };

/** The `!help` text: one line per command, admin-only ones marked. */
export function helpList(bot: Pick<BotApi, "commands" | "prefix">): string {
  const lines = bot.commands.list().map((c) => {
    const admin = c.spec.permission === "admin" ? " (admin)" : "";
    return `${c.usage(bot.prefix)}${c.spec.help ? ` — ${c.spec.help}` : ""}${admin}`;
  });
  return ["Commands:", ...lines, `Say ${bot.prefix}help <command> for details.`].join("\n");
}

/** The `!help name` text. */
export function helpFor(bot: Pick<BotApi, "prefix">, command: RegisteredCommand): string {
  const p = bot.prefix;
  const lines = [`${command.usage(p)}${command.spec.help ? ` — ${command.spec.help}` : ""}`];
  const aliases = command.names.slice(1);
  if (aliases.length > 0) lines.push(`aliases: ${aliases.map((a) => p + a).join(", ")}`);
  for (const [flag, f] of Object.entries(command.spec.flags ?? {})) {
    const short = f.short ? `-${f.short}, ` : "";
    lines.push(`${short}--${flag}${f.help ? `: ${f.help}` : ""}`);
  }
  const { permission, cooldown } = command.spec;
  if (permission === "admin") lines.push("admins only");
  else if (permission !== undefined) {
    const who = [...(permission.allow ?? []), ...(permission.admins ? ["admins"] : [])];
    lines.push(`allowed: ${who.join(", ")}`);
  }
  if (cooldown !== undefined) {
    lines.push(`at most once every ${cooldown.seconds} s per ${cooldown.per ?? "user"}`);
  }
  for (const { say, reply } of command.spec.examples ?? []) {
    lines.push(typeof reply === "string" ? `example: ${say} → ${reply}` : `example: ${say}`);
  }
  return lines.join("\n");
}

/** "did you mean" for an unknown command, or undefined. */
export function suggestion(
  bot: Pick<BotApi, "commands" | "prefix">,
  name: string,
): string | undefined {
  const close = bot.commands.suggest(name);
  if (close.length === 0) return undefined;
  const p = bot.prefix;
  const options = close.slice(0, 3).map((n) => p + n);
  const last = options.pop()!;
  const list = options.length === 0 ? last : `${options.join(", ")} or ${last}`;
  return `unknown command ${p}${name} — did you mean ${list}?`;
}

/** The command word of a message (`!Foo bar` → `foo`), if it starts with the prefix. */
function commandWord(ctx: Context, prefix: string): string | undefined {
  if (!ctx.body.startsWith(prefix)) return undefined;
  const word = ctx.body.slice(prefix.length).split(/\s/, 1)[0]!.toLowerCase();
  return word === "" ? undefined : word;
}

/**
 * The plugin without its options schema (help-options.ts adds it): given
 * no options, or only some, it takes the defaults.
 */
export default definePlugin<Partial<HelpOptions> | undefined>({
  name: "help",
  setup(bot, given) {
    const options = { ...HELP_DEFAULTS, ...given };
    bot.command(
      "help",
      { args: "[command]", help: "lists the commands, or explains one" },
      (ctx) => {
        const name = ctx.command.args.command?.replace(bot.prefix, "");
        if (name === undefined) return ctx.reply(helpList(bot));
        const command = bot.commands.find(name);
        if (command !== undefined) return ctx.reply(helpFor(bot, command));
        return ctx.reply(
          suggestion(bot, name) ?? `no command ${bot.prefix}${name}; ${bot.prefix}help lists them`,
        );
      },
    );
    if (options.suggest) {
      bot.on("message", (ctx) => {
        if (ctx.answered) return;
        const word = commandWord(ctx, bot.prefix);
        if (word === undefined || bot.commands.find(word) !== undefined) return;
        const text = suggestion(bot, word);
        if (text !== undefined) return ctx.reply(text);
      });
    }
  },
});
