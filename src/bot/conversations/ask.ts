/**
 * `ctx.ask`: send a question and wait for the next message that answers it.
 * The question is open in the router until an answer comes, its time
 * passes, its sender starts a command, says `!cancel`, or the bot stops.
 */
import { parseDuration } from "../schedule.ts";
import type { HandlerRun } from "./run.ts";

export interface AskOptions<A> {
  /** How long to wait: a duration (`"2m"`, `"30s"`) or ms; default `"5m"`. On the plugin clock. */
  within?: string | number;
  /**
   * Which messages answer: a RegExp (its match lands in `answer.match`) or
   * a predicate. Others are handled as usual and the question stays open.
   */
  match?: RegExp | ((answer: A) => boolean);
  /** Who must answer (default: the sender of the event; `bob` completes the domain). */
  from?: string;
  /**
   * Where to ask and wait: a channel (`#dev`), or a user's ID for a direct
   * message to them (then `from` defaults to them). Default: where the event came from.
   */
  topic?: string;
}

/** Why an open question ended without an answer the handler can use. */
export type AskEndReason = "stopped" | "released";

/**
 * The bot is stopping, or the plugin was released, while a question was
 * open (or is asked then). A handler may catch it to clean up; one that
 * does not ends quietly (it is not reported as a handler failure).
 */
export class AskCancelledError extends Error {
  override readonly name = "AskCancelledError";
  readonly code = "ask_cancelled";
  constructor(readonly reason: AskEndReason) {
    super(
      reason === "stopped"
        ? "ctx.ask: the bot is stopping; the question was closed without an answer"
        : "ctx.ask: the plugin was released; the question was closed without an answer",
    );
  }
}

/** A misuse of `ctx.ask` (a bad `within`, a second question while one is open). */
export class AskError extends Error {
  override readonly name = "AskError";
  constructor(
    readonly code: "bad_within" | "ask_open",
    message: string,
  ) {
    super(message);
  }
}

/** True for the error a question's end throws into its handler. */
export function isAskCancelled(error: unknown): boolean {
  return error instanceof AskCancelledError;
}

const DEFAULT_WITHIN = 5 * 60_000;

/** `within` in ms. @throws AskError */
export function askWithin(within: string | number | undefined): number {
  if (within === undefined) return DEFAULT_WITHIN;
  const ms = typeof within === "number" ? within : parseDuration(within);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new AskError(
      "bad_within",
      `ctx.ask: within must be a duration like "30s", "2m" or a number of ms, got ${JSON.stringify(within)}`,
    );
  }
  return ms;
}

/** How a question ended: an answer, nothing (undefined), or an error to throw. */
export type Outcome<A> = { answer: A | undefined } | { error: Error };

/** An open question, as the router keeps it. */
export interface Question<A, E> {
  /** `topic\0from` of the awaited answer. */
  readonly key: string;
  readonly plugin: string;
  readonly run: HandlerRun;
  /** The asking event's seq when the answer is awaited in its topic: older events never answer. */
  readonly after: number | undefined;
  /** The answer's context (bound to the run), or undefined when `match` turns it down. */
  accept(event: E): A | undefined;
  /** Settles the handler's `await`. */
  settle(outcome: Outcome<A>): void;
  /** The plugin-clock timer of `within`. */
  timer: unknown;
}

/** `topic\0from`: one open question per sender and topic. */
export function questionKey(topic: string, from: string): string {
  return `${topic.toLowerCase()}\u0000${from.toLowerCase()}`;
}

/** What a question's answer context needs: a body to match. */
export interface Answerable {
  readonly body: string;
  match?: RegExpMatchArray | undefined;
}

/** Applies `match` to an answer; false when it turns the message down. */
export function matches<A extends Answerable>(match: AskOptions<A>["match"], answer: A): boolean {
  if (match === undefined) return true;
  if (typeof match === "function") return match(answer);
  const found = answer.body.match(match);
  if (found === null) return false;
  answer.match = found;
  return true;
}

/** The event a question is asked from. */
export interface Asker {
  readonly topic: string;
  readonly from: string;
  readonly seq: number;
  readonly direct: boolean;
}

/** What asking needs from the bot. */
export interface AskDeps<A, E> {
  readonly plugin: string;
  /** The bot's full ID (direct messages arrive on it). */
  readonly botId: string;
  readonly router: {
    readonly closed: Error | undefined;
    open(question: Question<A, E>, ms: number): void;
    drop(question: Question<A, E>): void;
  };
  send(topic: string, text: string): Promise<unknown>;
  /** The answer's context for the asking plugin, bound to the same run. */
  answerFor(event: E): A;
}

/**
 * Asks `text` and resolves with the answer's context, or undefined once
 * `within` passed or the sender started a command or said `!cancel`.
 * @throws AskCancelledError (the bot stops, the plugin is released), AskError, a send's error
 */
export async function askQuestion<A extends Answerable, E>(
  deps: AskDeps<A, E>,
  asker: Asker,
  run: HandlerRun,
  text: string,
  options: AskOptions<A> = {},
): Promise<A | undefined> {
  if (deps.router.closed !== undefined) throw deps.router.closed;
  if (run.asking) {
    throw new AskError(
      "ask_open",
      "ctx.ask: this handler already has an open question; await it before asking another",
    );
  }
  const ms = askWithin(options.within);
  const where = placeOf(asker, options, deps.botId);
  let settle!: (outcome: Outcome<A>) => void;
  const outcome = new Promise<Outcome<A>>((resolve) => {
    settle = resolve;
  });
  const question: Question<A, E> = {
    key: questionKey(where.topic, where.from),
    plugin: deps.plugin,
    run,
    after: where.topic.toLowerCase() === asker.topic.toLowerCase() ? asker.seq : undefined,
    accept: (event) => {
      const answer = deps.answerFor(event);
      return matches(options.match, answer) ? answer : undefined;
    },
    settle,
    timer: undefined,
  };
  // Open before sending, so an answer quicker than the send's reply is not missed.
  run.asking = true;
  deps.router.open(question, ms);
  for (const hook of run.parkHooks) hook.park();
  run.park();
  try {
    await deps.send(where.sendTo, text);
  } catch (error) {
    deps.router.drop(question);
    throw error;
  }
  const result = await outcome;
  for (const hook of run.parkHooks) await hook.resume();
  if ("error" in result) throw result.error;
  return result.answer;
}

/** Where the question goes and which topic and sender answer it. */
function placeOf(
  asker: Asker,
  options: { topic?: string; from?: string },
  botId: string,
): { sendTo: string; topic: string; from: string } {
  const from = options.from === undefined ? undefined : completeId(options.from, botId);
  if (options.topic === undefined) {
    return {
      sendTo: asker.direct ? asker.from : asker.topic,
      topic: asker.topic,
      from: from ?? asker.from,
    };
  }
  const target = completeId(options.topic, botId);
  if (target.startsWith("#")) return { sendTo: target, topic: target, from: from ?? asker.from };
  // A user's ID: a direct message to them; the answer comes on the bot's own ID.
  return { sendTo: target, topic: botId, from: from ?? target };
}

/** `bob` → `bob@<the bot's domain>`; `#dev` → `#dev@<domain>`. */
function completeId(name: string, botId: string): string {
  if (name.includes("@")) return name;
  const at = botId.indexOf("@");
  return at < 0 ? name : `${name}${botId.slice(at)}`;
}
