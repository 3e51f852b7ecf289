/**
 * Sessions (`bot.session`): a JSON value per user, per topic or per user
 * and topic, put on `ctx.session` for the handlers of a sub-chain — read
 * before them and written after them, in the checkpoint that saves the
 * cursor of their event (so an event handed on again after a crash finds
 * the session as it was before that event).
 *
 * Handlers of one session key run one after another, whatever their topic
 * (a per-user session is read and written by one handler at a time: no
 * lost updates between topics). A handler that asks a question writes its
 * session and lets others at it while it waits; when it resumes,
 * `ctx.session` is read again.
 */
import type { Position } from "./durable.ts";

export type SessionScope = "user" | "topic" | "user+topic";

export interface SessionOptions<T> {
  /** Whose session: each user's, each topic's, or each user's in each topic. */
  per: SessionScope;
  /** The value of a session never written. */
  initial: () => T;
  /** Names the session when a plugin has several (default `session`). */
  name?: string;
}

/** What a session needs of an event's context. */
export interface SessionEvent {
  readonly topic: string;
  readonly from: string;
  readonly position: Position | undefined;
  readonly run: { readonly hooks: Set<{ park(): void; resume(): Promise<void> }> };
  session?: unknown;
}

/** What a session reads and writes. */
export interface SessionStorage {
  get(space: string, key: string): string | undefined;
  set(space: string, key: string, value: string | undefined, at?: Position): void;
}

/** Handlers of one key one after another: a chain of promises per key. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with a release function once every earlier holder of `key` released. */
  acquire(key: string): Promise<() => void> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => held);
    this.tails.set(key, tail);
    let released = false;
    return before.then(() => () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }
}

/** The middleware that puts one session on `ctx.session` around the rest of its chain. */
export function sessionMiddleware<T>(
  plugin: string,
  options: SessionOptions<T>,
  storage: SessionStorage,
): (ctx: SessionEvent, next: () => Promise<void>) => Promise<void> {
  const space = `session:${plugin}:${options.name ?? "session"}`;
  const locks = new KeyLocks();
  const keyOf = (ctx: SessionEvent) => {
    const from = ctx.from.toLowerCase();
    const topic = ctx.topic.toLowerCase();
    return options.per === "user"
      ? from
      : options.per === "topic"
        ? topic
        : `${topic}\u0000${from}`;
  };
  return async (ctx, next) => {
    const key = keyOf(ctx);
    let release = await locks.acquire(key);
    /** The session's JSON as read (or as `initial` made it): unchanged, nothing is written. */
    let read = "";
    const load = () => {
      const stored = storage.get(space, key);
      ctx.session = stored === undefined ? options.initial() : JSON.parse(stored);
      read = stored ?? JSON.stringify(ctx.session ?? null);
    };
    const save = () => {
      const text = JSON.stringify(ctx.session ?? null);
      if (text === read) return;
      storage.set(space, key, text, ctx.position);
      read = text;
    };
    const hook = {
      park: () => {
        save();
        release();
      },
      resume: async () => {
        release = await locks.acquire(key);
        load();
      },
    };
    load();
    ctx.run.hooks.add(hook);
    try {
      await next();
      save();
    } finally {
      ctx.run.hooks.delete(hook);
      release();
    }
  };
}
