/**
 * Step conversations (`bot.conversation`): a form of questions whose
 * position and answers are kept in the state database and saved with the
 * cursors, so one in progress survives a restart or a crash, and an answer
 * handed on again after a crash applies once (to the state as the cursors
 * left it). Each step may validate its answer and ask again; `!cancel`
 * ends it; each answer has `timeout` to come.
 *
 * A conversation is a state machine, not a suspended function: nothing is
 * replayed to rebuild it, so nothing in a handler has to be deterministic.
 */
import type { Clock } from "../../client/clock.ts";
import type { Context } from "../api.ts";
import type { CommandSpec } from "../commands.ts";
import { parseDuration } from "../schedule.ts";
import type { DurableState, Position } from "../state/durable.ts";
import type { RoutedEvent, Waiting, WaitingSet } from "./router.ts";

/** Answers so far, by step key. */
export type Answers = Record<string, string>;

export interface ConversationStep {
  /** The answer's name in `answers`. */
  key: string;
  /** The question: a text, or one made from the answers so far (and who started it, where). */
  ask: string | ((answers: Answers, started: { from: string; topic: string }) => string);
  /** Checks an answer (trimmed): an error text is sent and the question asked again. */
  validate?: (answer: string, answers: Answers) => string | undefined;
  /** What is kept of a valid answer (default: the answer, trimmed). */
  normalize?: (answer: string, answers: Answers) => string;
}

export interface ConversationSpec {
  steps: readonly ConversationStep[];
  /**
   * Who answers, and how many run at once: one per user in each topic
   * (`"user+topic"`, default), one per user wherever it started (`"user"`),
   * or one per topic that anyone there answers (`"topic"`).
   */
  per?: "user" | "topic" | "user+topic";
  /** How long each answer may take (default `"10m"`, plugin clock); then it ends with `timedOut`. */
  timeout?: string | number;
  /**
   * The command that starts it, `!<name>` (`help`, `aliases`); `false`
   * registers none (start it with `start(ctx)`). Starting again starts over.
   */
  command?: Pick<CommandSpec, "help" | "aliases"> | false;
  /** After the last answer, with that answer's context. */
  done(ctx: Context, answers: Answers): unknown;
  /** Sent on `!cancel` (default `<prefix><name> cancelled`; `false`: nothing). */
  cancelled?: string | false;
  /** Sent when an answer did not come in time (default `<prefix><name> timed out`; `false`: nothing). */
  timedOut?: string | false;
}

/** A conversation in progress, as stored. */
export interface ConversationState {
  /** Where it runs (full topic name; the bot's own ID for direct messages). */
  topic: string;
  /** Who started it. */
  from: string;
  direct: boolean;
  step: number;
  answers: Answers;
  /** Plugin-clock ms by which the next answer must come. */
  deadline: number;
  /** The last event applied, so one handed on again is not applied twice. */
  seq: number | undefined;
  epoch: string | undefined;
}

/** A conversation of a plugin: start one, look one up, cancel one. */
export interface Conversation {
  readonly name: string;
  /** Starts (or starts over) the conversation of `ctx`'s sender and topic. */
  start(ctx: Context): Promise<void>;
  /** The conversation in progress for `ctx`'s sender and topic, if any. */
  state(ctx: Pick<Context, "topic" | "from">): ConversationState | undefined;
}

/** What a conversation needs from its plugin. */
export interface ConversationHost {
  readonly plugin: string;
  readonly prefix: string;
  readonly clock: Clock;
  readonly durable: DurableState;
  /** A context of the plugin for an event the router handed over (a handler run of its own). */
  contextFor(event: RoutedEvent): Context & { readonly position: Position | undefined };
  /**
   * Runs `fn` as the handler of `ctx`: resolves when it ended or parked on
   * a question (`ctx.ask` in `done`); a throw is reported.
   */
  run(ctx: Context, what: string, fn: () => unknown): Promise<void>;
  send(topic: string, text: string): Promise<unknown>;
  failed(what: string, error: unknown): void;
}

const DEFAULT_TIMEOUT = 10 * 60_000;
/** Longest delay a timer takes at once (the platform's 32-bit limit). */
const MAX_DELAY = 2 ** 31 - 1;

export class StepConversation implements Conversation, WaitingSet<RoutedEvent> {
  readonly plugin: string;
  private readonly space: string;
  private readonly timeout: number;
  private readonly per: NonNullable<ConversationSpec["per"]>;
  /** Conversations in progress by scope key (the stored ones, kept in memory). */
  private records = new Map<string, ConversationState>();
  private readonly timers = new Map<string, unknown>();
  private armed = false;

  constructor(
    readonly name: string,
    private readonly spec: ConversationSpec,
    private readonly host: ConversationHost,
  ) {
    this.plugin = host.plugin;
    this.space = `conversation:${host.plugin}:${name}`;
    this.timeout = conversationTimeout(name, spec.timeout);
    this.per = spec.per ?? "user+topic";
    checkSteps(name, spec.steps);
    this.load();
    host.durable.onDiscard(() => {
      this.load();
      if (this.armed) this.armAll();
    });
  }

  state(ctx: Pick<Context, "topic" | "from">): ConversationState | undefined {
    const record = this.records.get(this.keyOf(ctx.topic, ctx.from));
    return record !== undefined && sameName(record.topic, ctx.topic) ? record : undefined;
  }

  waiting(event: RoutedEvent): Waiting<RoutedEvent> | undefined {
    if (this.records.size === 0) return undefined;
    const key = this.keyOf(event.topic, event.from);
    const record = this.records.get(key);
    if (record === undefined || !sameName(record.topic, event.topic)) return undefined;
    return {
      plugin: this.plugin,
      take: (e) => this.take(key, record, e),
      cancel: (e) => this.cancel(key, record, e),
    };
  }

  async start(ctx: Context): Promise<void> {
    const key = this.keyOf(ctx.topic, ctx.from);
    const position = (ctx as { position?: Position }).position;
    const existing = this.records.get(key);
    // Handed on again (a crash): applied already if the stored one is at or past it.
    if (existing !== undefined && applied(existing, ctx.topic, position)) return;
    // Handed on from history (a crash, a reconnect): started unless older than
    // the timeout by the server's stamp and this machine's time (a first
    // start's backlog starts no old form).
    if (ctx.replayed && Date.now() - ctx.at.getTime() > this.timeout) return;
    const record: ConversationState = {
      topic: ctx.topic,
      from: ctx.from,
      direct: ctx.direct,
      step: 0,
      answers: {},
      deadline: this.host.clock.now() + this.timeout,
      seq: position?.seq,
      epoch: position?.epoch,
    };
    this.write(key, record, position);
    await ctx.reply(this.question(record));
  }

  /** Arms the timeouts of the stored conversations (the bot started); late ones end at once. */
  startTimers(): void {
    this.armed = true;
    this.armAll();
  }

  stopTimers(): void {
    this.armed = false;
    for (const handle of this.timers.values()) this.host.clock.clearTimeout(handle);
    this.timers.clear();
  }

  private async take(key: string, record: ConversationState, event: RoutedEvent): Promise<void> {
    const ctx = this.host.contextFor(event);
    if (applied(record, event.topic, ctx.position)) return;
    const step = this.spec.steps[record.step]!;
    const answer = event.body.trim();
    let problem: string | undefined;
    try {
      problem = step.validate?.(answer, record.answers);
    } catch (error) {
      this.host.failed(`conversation ${this.name} step ${step.key}`, error);
      problem = "that did not work, try again";
    }
    const next: ConversationState = {
      ...record,
      deadline: this.host.clock.now() + this.timeout,
      seq: ctx.position?.seq,
      epoch: ctx.position?.epoch,
    };
    if (typeof problem === "string") {
      this.write(key, next, ctx.position);
      await ctx.reply(problem);
      await ctx.reply(this.question(next));
      return;
    }
    const kept = step.normalize === undefined ? answer : step.normalize(answer, record.answers);
    next.answers = { ...record.answers, [step.key]: kept };
    next.step = record.step + 1;
    if (next.step < this.spec.steps.length) {
      this.write(key, next, ctx.position);
      await ctx.reply(this.question(next));
      return;
    }
    this.write(key, undefined, ctx.position);
    const answers = next.answers;
    await this.host.run(ctx, `conversation ${this.name}`, () => this.spec.done(ctx, answers));
  }

  private async cancel(key: string, record: ConversationState, event: RoutedEvent): Promise<void> {
    const ctx = this.host.contextFor(event);
    if (applied(record, event.topic, ctx.position)) return;
    this.write(key, undefined, ctx.position);
    const text = this.spec.cancelled ?? `${this.host.prefix}${this.name} cancelled`;
    if (text !== false) await ctx.reply(text);
  }

  private expire(key: string, deadline: number): void {
    const record = this.records.get(key);
    if (record === undefined || record.deadline !== deadline) return;
    this.write(key, undefined, undefined);
    const text = this.spec.timedOut ?? `${this.host.prefix}${this.name} timed out`;
    if (text === false) return;
    const to = record.direct ? record.from : record.topic;
    this.host.send(to, text).catch((error) => this.host.failed(`conversation ${this.name}`, error));
  }

  private question(record: ConversationState): string {
    const ask = this.spec.steps[record.step]!.ask;
    return typeof ask === "string"
      ? ask
      : ask(record.answers, { from: record.from, topic: record.topic });
  }

  /** Stores `record` (undefined ends it) for the event at `position`, and re-arms its timer. */
  private write(key: string, record: ConversationState | undefined, position?: Position): void {
    if (record === undefined) this.records.delete(key);
    else this.records.set(key, record);
    this.host.durable.set(
      this.space,
      key,
      record === undefined ? undefined : JSON.stringify(record),
      position,
    );
    if (this.armed) this.arm(key, record);
  }

  private armAll(): void {
    for (const handle of this.timers.values()) this.host.clock.clearTimeout(handle);
    this.timers.clear();
    for (const [key, record] of this.records) this.arm(key, record);
  }

  private arm(key: string, record: ConversationState | undefined): void {
    const old = this.timers.get(key);
    if (old !== undefined) this.host.clock.clearTimeout(old);
    this.timers.delete(key);
    if (record === undefined) return;
    const wait = Math.max(0, record.deadline - this.host.clock.now());
    this.timers.set(
      key,
      this.host.clock.setTimeout(
        () => (wait > MAX_DELAY ? this.arm(key, record) : this.expire(key, record.deadline)),
        Math.min(wait, MAX_DELAY),
      ),
    );
  }

  private load(): void {
    this.records = new Map(
      this.host.durable
        .entries(this.space)
        .map(([key, value]) => [key, JSON.parse(value) as ConversationState]),
    );
  }

  private keyOf(topic: string, from: string): string {
    const t = topic.toLowerCase();
    const f = from.toLowerCase();
    return this.per === "user" ? f : this.per === "topic" ? t : `${t}\u0000${f}`;
  }
}

/** Whether the event at `position` of `topic` was applied to `record` already. */
function applied(
  record: ConversationState,
  topic: string,
  position: Position | undefined,
): boolean {
  return (
    position !== undefined &&
    record.seq !== undefined &&
    sameName(record.topic, topic) &&
    record.epoch === position.epoch &&
    position.seq <= record.seq
  );
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function conversationTimeout(name: string, timeout: string | number | undefined): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT;
  const ms = typeof timeout === "number" ? timeout : parseDuration(timeout);
  if (ms === undefined || !(ms > 0)) {
    throw new Error(
      `bot.conversation(${JSON.stringify(name)}): timeout must be a duration like "10m" or ms, got ${JSON.stringify(timeout)}`,
    );
  }
  return ms;
}

function checkSteps(name: string, steps: readonly ConversationStep[]): void {
  const where = `bot.conversation(${JSON.stringify(name)})`;
  if (steps.length === 0) throw new Error(`${where}: expected at least one step`);
  const keys = new Set<string>();
  for (const [i, step] of steps.entries()) {
    if (typeof step.key !== "string" || step.key === "") {
      throw new Error(`${where}: steps[${i}] needs a key`);
    }
    if (keys.has(step.key)) throw new Error(`${where}: two steps have the key ${step.key}`);
    keys.add(step.key);
  }
}
