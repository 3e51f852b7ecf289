/**
 * What fails a harness at `close()`: errors the bots reported (a handler
 * that threw, a runtime problem) that the test did not expect
 * (`h.expectError` claims one, `allowErrors` all of them), and resources
 * left open.
 */
import { errorFrames } from "../config/log.ts";
import type { TimerSet } from "./timers.ts";

/** Part of the message (a string), a pattern over it, or a test of the error. */
export type ErrorMatch = string | RegExp | ((error: Error) => boolean);

/** What `close()` found still open. */
export class HarnessLeakError extends Error {
  override readonly name = "HarnessLeakError";
  constructor(readonly leaks: string[]) {
    super(`the harness left resources behind:\n  ${leaks.join("\n  ")}`);
  }
}

/** Bots reported errors the test did not say it expects; thrown by `close()`. */
export class UnexpectedBotErrors extends Error {
  override readonly name = "UnexpectedBotErrors";
  // Kept off the instance's own keys: a test runner prints those, and the message has them all.
  readonly #errors: readonly Error[];
  readonly #leaks: readonly string[];

  /** The errors, in the order reported. */
  get errors(): readonly Error[] {
    return this.#errors;
  }

  /** What `close()` found left open besides (see HarnessLeakError). */
  get leaks(): readonly string[] {
    return this.#leaks;
  }

  constructor(errors: readonly Error[], leaks: readonly string[] = []) {
    const n = errors.length;
    const lines = [
      `the bots reported ${n} error${n === 1 ? "" : "s"} the test did not expect (await h.expectError(match) for one, or createHarness({ allowErrors: true })):`,
      // The first error's frames are this error's stack; the others' follow their message.
      ...errors.flatMap((e, i) => [
        `  ${e.message}`,
        ...(i === 0 ? [] : errorFrames(e).slice(0, 8)).map((f) => `  ${f}`),
      ]),
      ...(leaks.length === 0 ? [] : ["and left resources behind:", ...leaks.map((l) => `  ${l}`)]),
    ];
    super(lines.join("\n"), { cause: errors[0] });
    this.#errors = errors;
    this.#leaks = leaks;
    // The frames of the first error's throw, not of close(): the code frame
    // a test runner shows is then the line that threw.
    // The frames of the first error's throw, not of close(): the code frame
    // a test runner shows is then the line that threw.
    const first = errorFrames(errors[0]);
    if (first.length > 0) this.stack = [`${this.name}: ${this.message}`, ...first].join("\n");
  }
}

export function describeErrorMatch(match: ErrorMatch): string {
  if (typeof match === "string") return JSON.stringify(match);
  if (match instanceof RegExp) return String(match);
  return "(a test function)";
}

function matches(error: Error, match: ErrorMatch): boolean {
  if (typeof match === "string") return error.message.includes(match);
  if (match instanceof RegExp) return match.test(error.message);
  return match(error);
}

interface Waiter {
  match: ErrorMatch;
  resolve: (error: Error) => void;
}

export class ErrorLog {
  /** Every error reported, in order (claimed or not). */
  readonly all: Error[] = [];
  private readonly unclaimed: Error[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly timers: TimerSet) {}

  add(error: Error): void {
    this.all.push(error);
    const waiter = this.waiters.find((w) => matches(error, w.match));
    if (waiter === undefined) {
      this.unclaimed.push(error);
      return;
    }
    this.waiters = this.waiters.filter((w) => w !== waiter);
    waiter.resolve(error);
  }

  /** Errors no expectation claimed. */
  get unexpected(): readonly Error[] {
    return this.unclaimed;
  }

  /**
   * Resolves with the first error not claimed yet that matches (one
   * reported already counts), waiting up to `within` ms; rejects with the
   * errors that were reported. `failure` is made by the caller so its
   * stack starts at the test's line.
   */
  expect(match: ErrorMatch, within: number, failure: Error): Promise<Error> {
    const index = this.unclaimed.findIndex((e) => matches(e, match));
    if (index >= 0) return Promise.resolve(this.unclaimed.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.unclaimed.map((e) => `  ${e.message}`);
        failure.message = [
          `h.expectError(${describeErrorMatch(match)}): no bot reported such an error within ${within} ms.`,
          seen.length === 0 ? "No other error was reported." : "Reported, not claimed:",
          ...seen,
        ].join("\n");
        reject(failure);
      }, within);
      const waiter: Waiter = {
        match,
        resolve: (error) => {
          this.timers.clear(timer);
          resolve(error);
        },
      };
      this.waiters.push(waiter);
    });
  }
}
