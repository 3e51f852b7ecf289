/**
 * The YAML form of a step conversation, for the `responders` plugin: a
 * command rule with `ask` asks its questions one after another (each
 * answer checked against `pattern` or `choices`, asked again otherwise),
 * then posts its `reply` with the answers as `{key}` placeholders. The
 * form is kept in the bot's state like any `bot.conversation`.
 *
 * ```yaml
 * - command: signup
 *   help: tell the bot your favourite colour
 *   ask:
 *     - key: name
 *       question: "What's your name?"
 *     - key: color
 *       question: "{name}, your favourite colour?"
 *       choices: [red, green, blue]
 *   reply: "{name} likes {color}"
 *   timeout: 2m
 * ```
 */
import { z } from "zod";
import { type ConversationSpec, type ConversationStep, parseDuration } from "../bot/index.ts";
import { checkTemplate, parsePattern, render } from "./template.ts";

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
export const formFields = {
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

interface FormRule {
  command?: string | undefined;
  hears?: string | undefined;
  reply: string;
  ask?: FormStep[] | undefined;
  timeout?: string | undefined;
  per?: "user" | "topic" | "user+topic" | undefined;
}

/** The form's problems, located in the rule (added to zod's refinement). */
export function checkForm(rule: FormRule, ctx: z.RefinementCtx): void {
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

/** The conversation of a checked form rule; its start command is the caller's. */
export function formConversation(rule: FormRule & { ask: FormStep[] }): ConversationSpec {
  return {
    steps: rule.ask.map(formStep),
    ...(rule.per === undefined ? {} : { per: rule.per }),
    ...(rule.timeout === undefined ? {} : { timeout: rule.timeout }),
    command: false,
    done: (ctx, answers) => ctx.reply(render(rule.reply, { ...ctx, body: "", answers })),
  };
}

function formStep(step: FormStep): ConversationStep {
  const pattern = step.pattern === undefined ? undefined : (parsePattern(step.pattern) as RegExp);
  const choices = step.choices;
  return {
    key: step.key,
    ask: (answers, who) => render(step.question, { ...who, body: "", answers }),
    validate: (answer) => {
      if (pattern !== undefined && !pattern.test(answer)) {
        return step.error ?? `that does not match ${step.pattern}`;
      }
      if (choices !== undefined && !choices.some((c) => c.toLowerCase() === answer.toLowerCase())) {
        return step.error ?? `one of: ${choices.join(", ")}`;
      }
      return undefined;
    },
    ...(choices === undefined ? {} : { normalize: (answer: string) => choice(choices, answer) }),
  };
}

function choice(choices: readonly string[], answer: string): string {
  return choices.find((c) => c.toLowerCase() === answer.toLowerCase()) ?? answer;
}
