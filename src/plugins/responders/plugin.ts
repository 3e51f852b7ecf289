/**
 * The `responders` plugin as a bot runs it, without its options schema
 * (options.ts; ../responders.ts joins the two): answers declared in YAML,
 * no TypeScript needed.
 *
 * ```yaml
 * - use: responders
 *   with:
 *     rules:
 *       - hears: "/^hi (\\w+)/i"
 *         reply: "Hello {from.local}! ({1})"
 *         cooldown: 30
 *       - command: rules
 *         help: the channel rules
 *         reply: "Be nice."
 *         topics: ["#general"]
 * ```
 *
 * Rules are tried in order and the first that matches answers. Live
 * messages of others only.
 */
import { type CommandExample, type CooldownSpec, definePlugin } from "../../bot/index.ts";
import { parsePattern, render } from "../template.ts";
import { formConversation } from "./forms.ts";
import type { ResponderRule, RespondersOptions } from "./options.ts";

function example(e: { say: string; reply: string }): CommandExample {
  return { say: e.say, reply: parsePattern(e.reply) };
}

function cooldownOf(rule: ResponderRule): CooldownSpec | undefined {
  if (rule.cooldown === undefined) return undefined;
  return typeof rule.cooldown === "number"
    ? { seconds: rule.cooldown, per: "topic" }
    : rule.cooldown;
}

/** `#general` matches `#general@localhost`. */
export function sameTopic(configured: string, full: string): boolean {
  const c = configured.toLowerCase();
  const f = full.toLowerCase();
  return c === f || (!c.includes("@") && f.startsWith(`${c}@`));
}

export default definePlugin<RespondersOptions>({
  name: "responders",
  setup(bot, { rules }) {
    for (const rule of rules) {
      const topics = rule.topics;
      const chain =
        topics === undefined
          ? bot
          : bot.filter((ctx) => topics.some((t) => sameTopic(t, ctx.topic)));
      const cooldown = cooldownOf(rule);
      const spec = {
        args: "[text...]" as const,
        ...(rule.help === undefined ? {} : { help: rule.help }),
        ...(cooldown === undefined ? {} : { cooldown }),
        ...(rule.examples === undefined ? {} : { examples: rule.examples.map(example) }),
      };
      if (rule.command !== undefined && rule.ask !== undefined) {
        // The form's own start command, on the rule's chain (its topics).
        const form = bot.conversation(rule.command, formConversation({ ...rule, ask: rule.ask }));
        chain.command(rule.command, { ...spec, replayed: true }, (ctx) => form.start(ctx));
      } else if (rule.command !== undefined) {
        chain.command(rule.command, spec, (ctx) =>
          ctx.reply(render(rule.reply, { ...ctx, args: ctx.command.args.text })),
        );
      } else {
        chain.hears(parsePattern(rule.hears!), cooldown === undefined ? {} : { cooldown }, (ctx) =>
          ctx.reply(render(rule.reply, ctx)),
        );
      }
    }
  },
});
