/**
 * The `responders` plugin: answers declared in YAML, no TypeScript needed.
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
import { z } from "zod";
import { type CommandExample, type CooldownSpec, definePlugin } from "../bot/index.ts";
import { checkForm, formConversation, formFields } from "./responder-forms.ts";
import { checkTemplate, parsePattern, render } from "./template.ts";

const cooldownSchema = z.union(
  [
    z.number().positive(),
    z
      .object({
        seconds: z.number({ error: "expected seconds" }).positive(),
        per: z.enum(["user", "topic", "global"]).default("topic"),
        /** A command rule run too soon answers once with the wait (default); false: silent. */
        notify: z.boolean({ error: "expected true or false" }).optional(),
      })
      .strict(),
  ],
  { error: 'expected seconds, or { seconds, per: "user" | "topic" | "global", notify }' },
);

const ruleSchema = z
  .object({
    /** A text (matched as whole words, any case) or a `/regex/flags`. */
    hears: z.string().min(1).optional(),
    /** A command name (without the prefix): the rule answers `!name …` and shows in `!help`. */
    command: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/i, { error: "expected a command name like rules" })
      .optional(),
    /** `!help` text of a command rule. */
    help: z.string().optional(),
    /** The answer: `{from}`, `{from.local}`, `{topic}`, `{topic.name}`, `{body}`, `{1}`, `{name}`, `{args}`. */
    reply: z.string({ error: "expected a reply text" }),
    /** Seconds between two answers of this rule per topic, or `{ seconds, per }`. */
    cooldown: cooldownSchema.optional(),
    /** Only in these topics (default: everywhere the bot hears). */
    topics: z.array(z.string()).optional(),
    /** A command rule's examples (`!help` shows them; `runCommandExamples` runs them). */
    examples: z
      .array(
        z
          .object({
            say: z.string({ error: "expected the line a user says" }).min(1),
            /** A text the answer equals, or a `/regex/flags` it matches. */
            reply: z.string({ error: "expected the answer" }),
          })
          .strict(),
      )
      .optional(),
    ...formFields,
  })
  .strict()
  .superRefine((rule, ctx) => {
    if ((rule.hears === undefined) === (rule.command === undefined)) {
      ctx.addIssue({ code: "custom", message: "expected exactly one of hears or command" });
      return;
    }
    let pattern: RegExp | string | undefined;
    if (rule.hears !== undefined) {
      try {
        pattern = parsePattern(rule.hears);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          path: ["hears"],
          message: `bad regular expression: ${(error as Error).message}`,
        });
        return;
      }
    }
    if (rule.examples !== undefined && rule.command === undefined) {
      ctx.addIssue({ code: "custom", path: ["examples"], message: "examples need a command rule" });
    }
    if (rule.ask !== undefined || rule.timeout !== undefined || rule.per !== undefined) {
      checkForm(rule, ctx);
      return;
    }
    const problem = checkTemplate(rule.reply, pattern, rule.command !== undefined);
    if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["reply"], message: problem });
  });

export const respondersOptions = z
  .object({
    rules: z.array(ruleSchema, { error: "expected a list of rules" }).min(1, {
      error: "expected at least one rule",
    }),
  })
  .strict();
export type RespondersOptions = z.output<typeof respondersOptions>;
export type ResponderRule = RespondersOptions["rules"][number];

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

export default definePlugin({
  name: "responders",
  options: respondersOptions,
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
