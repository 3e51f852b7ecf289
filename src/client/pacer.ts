import type { Limits } from "../protocol/index.ts";
import { type Clock, sleep } from "./clock.ts";
import type { Connection, ReplyTo } from "./connection.ts";
import { RequestError } from "./errors.ts";

type Paced = Parameters<Connection["request"]>[0];

/** Delay before the n-th retry of a request the server called `rate_limited` (ms). */
export function rateLimitDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5_000, 100 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Requests other than messages (subscribe, history, topics…), paced to the
 * server's limits: at most as many in flight as the contract promises a
 * server accepts in one burst (a subscribe and a history page for each of
 * `limits.subscriptions` topics), the rest waiting for replies. A request
 * answered `rate_limited` waits and goes again, with growing delays, for
 * as long as its connection lasts: a topic is never given up for it
 * (protocol §5 Limits).
 */
export class RequestPacer {
  private window = 200;
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly signal?: AbortSignal,
    private readonly random: () => number = Math.random,
  ) {}

  configure(limits: Pick<Limits, "subscriptions">): void {
    this.window = Math.max(4, 2 * limits.subscriptions);
  }

  async request<T extends Paced>(connection: Connection, request: T): Promise<ReplyTo[T["type"]]> {
    for (let attempt = 1; ; attempt++) {
      await this.slot();
      let reply: ReplyTo[T["type"]];
      try {
        reply = await connection.request(request);
      } catch (error) {
        if (
          !(error instanceof RequestError && error.code === "rate_limited" && connection.isOpen)
        ) {
          throw error;
        }
        await sleep(this.clock, rateLimitDelay(attempt, this.random), this.signal);
        if (this.signal?.aborted) throw error;
        continue;
      } finally {
        this.release();
      }
      return reply;
    }
  }

  private slot(): Promise<void> {
    if (this.inFlight < this.window) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.queue.push(() => {
        this.inFlight++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.inFlight--;
    this.queue.shift()?.();
  }
}
