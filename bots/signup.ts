/**
 * An example plugin with a conversation: `!signup` asks for a name and a
 * favourite colour (asking again until the colour is one it knows), keeps
 * the profile in the plugin's store, and `!profile [who]` shows it.
 * `!forget` asks "sure?" with `ctx.ask` before it deletes yours.
 *
 * The form is a `bot.conversation`: it is kept in the bot's state database
 * with its cursors, so a signup half done survives a restart (or a crash),
 * each answer counted once. `!cancel` stops it; an answer has 5 minutes.
 *
 * Configure it with `- use: ./bots/signup.ts`, optionally
 * `with: { colors: [red, green, blue] }`. Only types come from scalarbot,
 * so a copy of this file runs from any folder, like bots/greeter.ts.
 */
import type { Plugin } from "scalarbot/plugins";
import { z } from "zod";

const options = z
  .object({
    /** The colours an answer may name (any case). */
    colors: z.array(z.string().min(1)).min(1).default(["red", "green", "blue", "yellow"]),
  })
  .strict();

interface Profile {
  name: string;
  color: string;
}

export default {
  name: "signup",
  options,
  setup(bot, { colors }) {
    const local = (id: string) => id.split("@")[0]!;
    const full = (who: string) => (who.includes("@") ? who : `${who}@${bot.id.split("@")[1]}`);
    bot.conversation("signup", {
      command: { help: "tell me your name and favourite colour" },
      timeout: "5m",
      steps: [
        { key: "name", ask: "What's your name? (!cancel to stop)" },
        {
          key: "color",
          ask: (a) => `Thanks, ${a.name}. Your favourite colour? (${colors.join(", ")})`,
          validate: (text) =>
            colors.some((c) => c.toLowerCase() === text.toLowerCase())
              ? undefined
              : `I don't know ${text}.`,
          normalize: (text) => text.toLowerCase(),
        },
      ],
      done: (ctx, a) => {
        // Every step's key is in the answers once the form is done.
        const profile: Profile = { name: a.name!, color: a.color! };
        ctx.store.set(`profile:${ctx.from}`, profile);
        return ctx.reply(`${profile.name} likes ${profile.color}`);
      },
    });
    bot.command(
      "profile",
      {
        args: "[who]",
        help: "what someone told !signup",
        examples: [{ say: "!profile nobody", reply: "nobody has not signed up" }],
      },
      (ctx) => {
        const who = ctx.command.args.who ?? ctx.from;
        const profile = ctx.store.get<Profile>(`profile:${full(who)}`);
        if (profile === undefined) return ctx.reply(`${local(who)} has not signed up`);
        return ctx.reply(`${local(who)} is ${profile.name}, who likes ${profile.color}`);
      },
    );
    bot.command("forget", { help: "deletes your profile (asks first)" }, async (ctx) => {
      const key = `profile:${ctx.from}`;
      if (!ctx.store.has(key)) return ctx.reply("there is nothing to forget");
      const sure = await ctx.ask("Delete your profile? (yes/no)", {
        within: "1m",
        match: /^(yes|no)$/i,
      });
      if (sure?.body.toLowerCase() !== "yes") return ctx.reply("kept it");
      ctx.store.delete(key);
      return ctx.reply("forgotten");
    });
  },
} satisfies Plugin<z.output<typeof options>>;
