/**
 * The responders plugin's options, apart from the plugin: the configuration
 * checks them (every pattern, template and form), and a bot runs
 * responders/plugin.ts without zod.
 */
import { z } from "zod";
import { parseDuration } from "../../bot/index.ts";
import { checkTemplate, parsePattern } from "../template.ts";
import type { FormRule } from "./forms.ts";

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names a step key may not take: the placeholders every template has. */
const RESERVED = ["from", "topic", "body", "args"];

export const formStepSchema = z
  .object({
    /** The answer's name: `{key}` in later questions and in the reply. */
    key: z.string({ error: "expected a name like color" }).regex(KEY, {
      error: "expected a name like color (letters, digits and _)",
    }),
    /** The question; may use `{from}`, `{topic}` and earlier answers' `{key}`. */
    question: z.string({ error: "expected the question to ask" }).min(1),
    /** A `/regex/flags` the answer must match. */
    pattern: z.string().optional(),
    /** The answers taken (any case); the answer is stored as written here. */
    choices: z.array(z.string().min(1)).min(1).optional(),
    /** Sent before asking again when the answer does not fit. */
    error: z.string().min(1).optional(),
  })
  .strict();
export type FormStep = z.output<typeof formStepSchema>;

/** The keys a responder rule takes for a form. */
const formFields = {
  /** The questions of a command rule, asked one after another. */
  ask: z.array(formStepSchema, { error: "expected a list of questions" }).min(1).optional(),
  /** How long each answer may take (default 10m). */
  timeout: z
    .string({ error: 'expected a duration like "10m"' })
    .refine((text) => parseDuration(text) !== undefined, {
      error: 'expected a duration like "10m"',
    })
    .optional(),
  /** One form per user in each topic (default), per user, or per topic. */
  per: z.enum(["user", "topic", "user+topic"]).optional(),
};

/** The form's problems, located in the rule (added to zod's refinement). */
function checkForm(rule: FormRule, ctx: z.RefinementCtx): void {
  if (rule.ask === undefined) {
    for (const key of ["timeout", "per"] as const) {
      if (rule[key] !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], message: `${key} is for a rule with ask` });
      }
    }
    return;
  }
  if (rule.command === undefined) {
    ctx.addIssue({ code: "custom", path: ["ask"], message: "ask needs a command rule" });
    return;
  }
  const keys: string[] = [];
  for (const [i, step] of rule.ask.entries()) {
    const at = (field: string) => ["ask", i, field];
    if (RESERVED.includes(step.key) || keys.includes(step.key)) {
      const why = keys.includes(step.key) ? "is taken by an earlier question" : "is a placeholder";
      ctx.addIssue({ code: "custom", path: at("key"), message: `${step.key} ${why}` });
    }
    const problem = checkTemplate(step.question, undefined, false, keys);
    if (problem !== undefined)
      ctx.addIssue({ code: "custom", path: at("question"), message: problem });
    if (step.pattern !== undefined) {
      let pattern: RegExp | string;
      try {
        pattern = parsePattern(step.pattern);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          path: at("pattern"),
          message: `bad regular expression: ${(error as Error).message}`,
        });
        continue;
      }
      if (typeof pattern === "string") {
        ctx.addIssue({ code: "custom", path: at("pattern"), message: "expected a /regex/" });
      }
    }
    keys.push(step.key);
  }
  const problem = checkTemplate(rule.reply, undefined, true, keys);
  if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["reply"], message: problem });
}

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
