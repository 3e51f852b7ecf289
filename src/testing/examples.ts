/**
 * Command examples as tests: every `examples` entry of every command of
 * the harness's bots is said by a test user and its answer awaited, so
 * what `!help name` shows cannot drift from what the command does.
 *
 * @example
 * ```ts
 * const h = await createHarness({ config: "bots.yaml" });
 * await runCommandExamples(h);
 * await h.close();
 * ```
 */
import type { Bot } from "../bot/bot.ts";
import type { CommandExample } from "../bot/commands.ts";
import type { Harness } from "./harness.ts";
import { fullName } from "./match.ts";

export interface ExamplesOptions {
  /** The user who says the examples (default `examples`). */
  user?: string;
  /** Where to say them (default: each bot's first topic). */
  topic?: string;
  /** Only these bots (IDs, short or full; default every bot). */
  bots?: readonly string[];
  /** How long to wait for each answer, ms (default: the harness's). */
  within?: number;
}

/** One example, run. */
export interface ExampleRun {
  bot: string;
  command: string;
  example: CommandExample;
  /** The answer that matched, or undefined when it failed. */
  answer: string | undefined;
  /** Why it failed. */
  problem: string | undefined;
}

/** Some command examples did not get their answer: each is listed. */
export class CommandExampleError extends Error {
  override readonly name = "CommandExampleError";
  readonly code = "command_examples_failed";
  constructor(readonly runs: readonly ExampleRun[]) {
    const failed = runs.filter((r) => r.problem !== undefined);
    super(
      `${failed.length} of ${runs.length} command example(s) failed:\n${failed
        .map((r) => `  ${r.bot} ${r.example.say}: ${r.problem}`)
        .join("\n")}`,
    );
  }
}

/**
 * Says each example of each command (commands in `!help`'s order, then
 * each command's examples in order) and waits for the bot's answer in the
 * topic. Between two examples of a command with a cooldown the harness
 * clock moves past it. Resolves with the runs; rejects with
 * `CommandExampleError` naming every failed one.
 */
export async function runCommandExamples(
  h: Harness,
  options: ExamplesOptions = {},
): Promise<ExampleRun[]> {
  const wanted = options.bots?.map((id) => fullName(id, h.domain));
  const bots = h.bots.filter((b) => wanted === undefined || wanted.includes(b.id));
  const user = await h.user(options.user ?? "examples");
  const joined = new Set<string>();
  const runs: ExampleRun[] = [];
  for (const bot of bots) {
    const topic = options.topic ?? bot.topics[0];
    if (topic === undefined) continue;
    if (!joined.has(topic)) {
      await user.join(topic);
      joined.add(topic);
      await h.settle();
    }
    for (const command of bot.commands.list()) {
      const examples = command.spec.examples ?? [];
      for (const [i, example] of examples.entries()) {
        const cooldown = command.spec.cooldown;
        if (i > 0 && cooldown !== undefined) await h.clock.advance(cooldown.seconds * 1000);
        runs.push(await runOne(user, bot, topic, command.name, example, options.within));
      }
    }
  }
  await user.close();
  if (runs.some((r) => r.problem !== undefined)) throw new CommandExampleError(runs);
  return runs;
}

async function runOne(
  user: Awaited<ReturnType<Harness["user"]>>,
  bot: Bot,
  topic: string,
  command: string,
  example: CommandExample,
  within: number | undefined,
): Promise<ExampleRun> {
  const run = { bot: bot.id, command, example };
  const seen = user.messages.length;
  await user.say(topic, example.say);
  try {
    const answer = await user.expectMessage(
      { from: bot.id, topic, body: example.reply },
      within === undefined ? {} : { within },
    );
    return { ...run, answer: answer.body, problem: undefined };
  } catch {
    const answers = user.messages.slice(seen).filter((m) => m.from === bot.id);
    const expected =
      typeof example.reply === "string"
        ? JSON.stringify(example.reply)
        : `an answer matching ${example.reply}`;
    const got =
      answers.length === 0
        ? "got no answer"
        : `got ${answers.map((m) => JSON.stringify(m.body)).join(", ")}`;
    return { ...run, answer: undefined, problem: `expected ${expected}, ${got}` };
  }
}
