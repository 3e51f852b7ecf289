/**
 * Conversations: handlers that ask and wait (`ctx.ask`), step forms kept in
 * the state database (`bot.conversation`), and the routing of answers.
 *
 * This module is one handler's run for one event, as the dispatcher sees
 * it. A topic's events are handled one after another, and the dispatcher
 * waits for a handler before the next event; a handler that asks a question
 * *parks*: the dispatcher stops waiting for it and the topic moves on. When
 * the answer comes, the run *resumes* as a handler of the answering event
 * (that event waits for it, until it parks again or ends), so what a
 * conversation does keeps the topic's order. A question that ends without
 * an event (its time passed, the bot stops) resumes the run on its own.
 */

/** Work that a parking run sets down and takes up again (a session's lock). */
export interface RunHook {
  park(): void;
  resume(): Promise<void>;
}

type RunState = "running" | "parked" | "ended";

/** Where a run's failure goes once nobody awaits it (after it parked). */
export interface RunOwner {
  failed(ctx: unknown, error: unknown): void;
}

/** One per handled event and plugin: kept small, its parts made when first needed. */
export class HandlerRun {
  private state: RunState = "running";
  /** Ends the dispatcher's (or a resumer's) wait for this run. */
  private wake: (() => void) | undefined;
  private parkedOnce = false;
  /** Whether a question of this run is open (one at a time). */
  asking = false;
  private hookSet: Set<RunHook> | undefined;

  constructor(
    private readonly owner: RunOwner,
    /** The event's context, for the report of a late failure. */
    private readonly ctx: unknown,
  ) {}

  /** Work set down while the run parks (sessions register here). */
  get hooks(): Set<RunHook> {
    this.hookSet ??= new Set();
    return this.hookSet;
  }

  /** The hooks, when there are any (no set is made to look). */
  get parkHooks(): Iterable<RunHook> {
    return this.hookSet ?? NO_HOOKS;
  }

  get ended(): boolean {
    return this.state === "ended";
  }

  /**
   * What the dispatcher awaits for the run's first turn: `done` (the
   * handler's promise), or the run parking, whichever comes first.
   */
  first(done: Promise<void>): Promise<void> {
    // Finished in its first turn (a synchronous chain): nothing can park it now.
    if (this.state === "running" && Bun.peek.status(done) === "fulfilled") {
      this.state = "ended";
      return done;
    }
    return new Promise((resolve, reject) => {
      if (this.state === "running") this.wake = resolve;
      else resolve();
      done.then(
        () => this.end(),
        (error) => {
          if (this.parkedOnce) this.owner.failed(this.ctx, error);
          else reject(error);
          this.end();
        },
      );
    });
  }

  /** The run waits for an answer: whoever waits for it goes on. */
  park(): void {
    if (this.state === "ended") return;
    this.state = "parked";
    this.parkedOnce = true;
    this.release();
  }

  /**
   * The run goes on (its question was answered or ended); resolves once it
   * parks again or ends. An ended run (an ask left over after its handler
   * returned) resumes in the background.
   */
  resume(): Promise<void> {
    if (this.state === "ended") return Promise.resolve();
    this.state = "running";
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private end(): void {
    this.state = "ended";
    this.release();
  }

  private release(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

const NO_HOOKS: readonly RunHook[] = [];
