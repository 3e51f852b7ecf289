/**
 * The YAML form of a step conversation, for the `responders` plugin (its
 * options are checked in options.ts): a
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
import type { ConversationSpec, ConversationStep } from "../../bot/index.ts";
import { parsePattern, render } from "../template.ts";
import type { FormStep } from "./options.ts";

/** What a form takes of its rule. */
export interface FormRule {
  command?: string | undefined;
  hears?: string | undefined;
  reply: string;
  ask?: FormStep[] | undefined;
  timeout?: string | undefined;
  per?: "user" | "topic" | "user+topic" | undefined;
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
