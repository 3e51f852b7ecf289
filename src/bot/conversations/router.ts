/**
 * Where a message goes when someone is waiting for its sender: the open
 * `ctx.ask` questions and the bot's step conversations. The dispatcher asks
 * the router first, for every message of someone else while anything is
 * open; the rules, in order:
 *
 * 1. `!cancel` from a sender with an open question (or, without one, a
 *    conversation) in that topic ends it; the message goes no further.
 * 2. A command of the bot (its prefix and a registered name) is a command,
 *    never an answer: it ends the sender's open question there (the asker
 *    gets `undefined` first), leaves a conversation waiting, and is handled
 *    as usual.
 * 3. A message that answers the sender's open question resumes the asker.
 * 4. Else the sender's conversation in that topic takes it (its step
 *    validates it and asks again, or moves on).
 *
 * A message taken as an answer (1, 3, 4) still reaches every plugin's
 * chain, marked `ctx.answered`: `hears` and `command` skip it, listeners
 * (`on`) see it, so recorders like the logger miss nothing.
 */
import { type AskCancelledError, type Outcome, type Question, questionKey } from "./ask.ts";

/** The dispatcher's context of a message, as the router reads and marks it. */
export interface RoutedEvent {
  readonly kind: string;
  readonly own: boolean;
  readonly topic: string;
  readonly from: string;
  readonly seq: number;
  readonly body: string;
  answered: boolean;
}

/** A conversation waiting for a sender: it takes the next message, or is cancelled. */
export interface Waiting<E> {
  readonly plugin: string;
  take(event: E): Promise<void>;
  cancel(event: E): Promise<void>;
}

/** One plugin's step conversations, as the router consults them. */
export interface WaitingSet<E> {
  readonly plugin: string;
  /** The conversation of this sender in this topic, if one is waiting. */
  waiting(event: E): Waiting<E> | undefined;
}

/** Work the dispatcher awaits before (or instead of) the chains: the plugin is named if it hangs. */
export interface Routed {
  readonly plugin: string;
  readonly done: Promise<void>;
}

export interface RouterSettings {
  /** The command prefix (`!`). */
  readonly prefix: string;
  /** Whether `name` is a registered command of the bot. */
  isCommand(name: string): boolean;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// biome-ignore lint/suspicious/noExplicitAny: the router holds every plugin's questions
type AnyQuestion = Question<any, RoutedEvent>;

export class Router {
  private readonly questions = new Map<string, AnyQuestion>();
  private sets: WaitingSet<RoutedEvent>[] = [];
  /** Runs resumed without an event (a timeout, a stop): `idle` waits for them. */
  private readonly background = new Set<Promise<void>>();
  private closedBy: AskCancelledError | undefined;

  constructor(private readonly settings: RouterSettings) {}

  /** Whether the dispatcher should ask: something may be waiting for a message. */
  get active(): boolean {
    return this.questions.size > 0 || this.sets.length > 0;
  }

  /** Set once the bot stops: new questions fail with it. */
  get closed(): AskCancelledError | undefined {
    return this.closedBy;
  }

  /** True while a run resumed without an event is still going. */
  get busy(): boolean {
    return this.background.size > 0;
  }

  /** Resolves once every run resumed without an event has parked again or ended. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** Opens `question` for `ms`; an older one for the same sender and topic ends (undefined). */
  open(question: AnyQuestion, ms: number): void {
    const older = this.questions.get(question.key);
    if (older !== undefined) this.inBackground(this.finish(older, { answer: undefined }));
    this.questions.set(question.key, question);
    question.timer = this.settings.setTimeout(() => {
      if (this.questions.get(question.key) === question) {
        this.inBackground(this.finish(question, { answer: undefined }));
      }
    }, ms);
  }

  addWaitingSet(set: WaitingSet<RoutedEvent>): void {
    this.sets.push(set);
  }

  /** Decides what happens to a message (see the rules above); undefined: nothing waits for it. */
  route(event: RoutedEvent): Routed | undefined {
    if (event.kind !== "message" || event.own) return undefined;
    let question =
      this.questions.size === 0
        ? undefined
        : this.questions.get(questionKey(event.topic, event.from));
    // An event from before the question (handed on again) never ends or answers it.
    if (question?.after !== undefined && event.seq <= question.after) question = undefined;
    const waiting = question === undefined ? this.waitingFor(event) : undefined;
    if (question === undefined && waiting === undefined) return undefined;
    const word = commandWord(event.body, this.settings.prefix);
    if (word === "cancel") {
      event.answered = true;
      if (question !== undefined) return this.resumeWith(question, { answer: undefined });
      return { plugin: waiting!.plugin, done: waiting!.cancel(event) };
    }
    if (word !== undefined && this.settings.isCommand(word)) {
      return question === undefined ? undefined : this.resumeWith(question, { answer: undefined });
    }
    if (question === undefined) {
      event.answered = true;
      return { plugin: waiting!.plugin, done: waiting!.take(event) };
    }
    event.answered = true;
    const answer = question.accept(event);
    if (answer === undefined) {
      event.answered = false;
      return undefined;
    }
    return this.resumeWith(question, { answer });
  }

  /** Ends every open question with `error`; later ones fail with it at once (the bot stops). */
  close(error: AskCancelledError): void {
    this.closedBy = error;
    for (const question of [...this.questions.values()]) {
      this.inBackground(this.finish(question, { error }));
    }
  }

  /** Ends the plugin's questions with `error` and forgets its conversations (it was released). */
  release(plugin: string, error: AskCancelledError): void {
    for (const question of [...this.questions.values()]) {
      if (question.plugin === plugin) this.inBackground(this.finish(question, { error }));
    }
    this.sets = this.sets.filter((s) => s.plugin !== plugin);
  }

  /** Forgets `question` without resuming its run (sending it failed: the asker gets that error). */
  drop(question: AnyQuestion): void {
    if (this.questions.get(question.key) !== question) return;
    this.questions.delete(question.key);
    this.settings.clearTimeout(question.timer);
    question.run.asking = false;
  }

  private waitingFor(event: RoutedEvent): Waiting<RoutedEvent> | undefined {
    for (const set of this.sets) {
      const waiting = set.waiting(event);
      if (waiting !== undefined) return waiting;
    }
    return undefined;
  }

  private resumeWith(question: AnyQuestion, outcome: Outcome<unknown>): Routed {
    return { plugin: question.plugin, done: this.finish(question, outcome) };
  }

  /** Closes `question` and resumes its run; resolves once the run parks again or ends. */
  private finish(question: AnyQuestion, outcome: Outcome<unknown>): Promise<void> {
    this.questions.delete(question.key);
    this.settings.clearTimeout(question.timer);
    question.run.asking = false;
    // The wait is set up before the handler is resumed, so its next park is seen.
    const resumed = question.run.resume();
    question.settle(outcome);
    return resumed;
  }

  private inBackground(run: Promise<void>): void {
    this.background.add(run);
    void run.then(() => this.background.delete(run));
  }
}

/** The command word of `body` (`!Foo bar` → `foo`), if it starts with the prefix. */
export function commandWord(body: string, prefix: string): string | undefined {
  if (!body.startsWith(prefix)) return undefined;
  const word = body.slice(prefix.length).split(/\s/, 1)[0]!.toLowerCase();
  return word === "" ? undefined : word;
}
