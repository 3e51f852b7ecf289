/** Per-command rate limits on who may trigger a command how often. */

export interface CooldownSpec {
  /** Minimum time between two runs, in seconds. */
  seconds: number;
  /** Whose runs are counted together: each user, each topic, or everyone. */
  per?: "user" | "topic" | "global";
}

export class Cooldowns {
  /** Key → time (ms) from which the command may run again. */
  private readonly readyAt = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records a run if the cooldown allows it. Returns 0 when it may run, else
   * the milliseconds left.
   */
  take(command: string, spec: CooldownSpec, who: { from: string; topic: string }): number {
    const per = spec.per ?? "user";
    const scope = per === "user" ? who.from : per === "topic" ? who.topic : "";
    const key = `${command}\u0000${per}\u0000${scope}`;
    const now = this.now();
    const ready = this.readyAt.get(key) ?? 0;
    if (now < ready) return ready - now;
    this.readyAt.set(key, now + spec.seconds * 1000);
    this.prune(now);
    return 0;
  }

  /** Drops expired entries now and then so the map cannot grow without bound. */
  private prune(now: number): void {
    if (this.readyAt.size < 1024) return;
    for (const [key, ready] of this.readyAt) if (ready <= now) this.readyAt.delete(key);
  }
}
