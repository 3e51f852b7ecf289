import type { Clock } from "./clock.ts";

export interface KeepaliveOptions {
  /** Silence (ms) after which we ping the server. */
  interval: number;
  /** How long (ms) to wait for any frame after our ping before giving up. */
  timeout: number;
}

/**
 * Detects a dead link: after `interval` without any inbound frame it calls
 * `ping`; if nothing arrives within `timeout` after that, `dead`. Holds at
 * most one timer, and `stop` clears it, so it cannot leak.
 */
export class Keepalive {
  private timer: unknown;
  private lastSeen: number;
  private waitingSince: number | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: KeepaliveOptions,
    private readonly ping: () => void,
    private readonly dead: () => void,
  ) {
    this.lastSeen = clock.now();
    this.arm(options.interval);
  }

  /** Any inbound frame proves the link alive. */
  received(): void {
    this.lastSeen = this.clock.now();
    this.waitingSince = undefined;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => this.check(), Math.max(1, ms));
  }

  private check(): void {
    this.timer = undefined;
    const now = this.clock.now();
    if (this.waitingSince !== undefined) {
      const left = this.waitingSince + this.options.timeout - now;
      if (left <= 0) {
        this.stop();
        this.dead();
        return;
      }
      this.arm(left);
      return;
    }
    const idle = now - this.lastSeen;
    if (idle < this.options.interval) {
      this.arm(this.options.interval - idle);
      return;
    }
    this.waitingSince = now;
    this.ping();
    this.arm(this.options.timeout);
  }
}
