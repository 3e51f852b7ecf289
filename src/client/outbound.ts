import type { SentReply } from "../protocol/index.ts";
import { type Clock, sleep } from "./clock.ts";
import type { Connection } from "./connection.ts";
import { ConnectionClosedError, RequestError } from "./errors.ts";
import { MAX_BODY_BYTES, splitText } from "./split-text.ts";

/**
 * The server's message budget (protocol.md, Limits): `rate` tokens a second
 * up to `burst`. Each message takes one; `delay` says how long until one is
 * free, so the sender waits instead of earning `rate_limited`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private rate: number,
    private burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Adopts new limits (from a `welcome`), keeping no more tokens than the new burst. */
  configure(rate: number, burst: number): void {
    this.refill();
    this.rate = Math.max(rate, 0.001);
    this.burst = Math.max(burst, 1);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Takes a token if one is free; otherwise returns ms until one will be. */
  take(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  /** Empties the bucket (after the server said `rate_limited`). */
  drain(): void {
    this.refill();
    this.tokens = 0;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

export interface OutboxOptions {
  clock: Clock;
  /** Resolves with the live connection once there is one; rejects when the bot stops. */
  connection(): Promise<Connection>;
  bucket: TokenBucket;
  maxBodyBytes?: number;
  /** Retries of one message after `rate_limited` or a lost connection. */
  maxRetries?: number;
}

/**
 * Sends messages in order, one at a time: long texts are split, each part
 * waits for a token, and `rate_limited` or a dropped connection makes the
 * part wait and go again. (A part whose connection dropped before `sent`
 * came back is sent again: at least once.)
 */
export class Outbox {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OutboxOptions) {}

  send(topic: string, text: string): Promise<SentReply[]> {
    const parts = splitText(text, this.options.maxBodyBytes ?? MAX_BODY_BYTES);
    const result = this.tail.then(async () => {
      const sent: SentReply[] = [];
      for (const part of parts) sent.push(await this.sendOne(topic, part));
      return sent;
    });
    this.tail = result.catch(() => {});
    return result;
  }

  private async sendOne(to: string, body: string): Promise<SentReply> {
    const { clock, bucket } = this.options;
    const maxRetries = this.options.maxRetries ?? 20;
    for (let attempt = 0; ; attempt++) {
      const connection = await this.options.connection();
      const wait = bucket.take();
      if (wait > 0) {
        await sleep(clock, wait);
        attempt--;
        continue;
      }
      try {
        return await connection.request({ type: "message", to, body });
      } catch (error) {
        const retriable =
          (error instanceof RequestError && error.code === "rate_limited") ||
          error instanceof ConnectionClosedError ||
          (error instanceof RequestError && error.fatal);
        if (!retriable || attempt >= maxRetries) throw error;
        if (error instanceof RequestError && error.code === "rate_limited") bucket.drain();
      }
    }
  }
}
