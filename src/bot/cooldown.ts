/** Per-command rate limits on who may trigger a command how often. */

export interface CooldownSpec {
  /** Minimum time between two runs, in seconds. */
  seconds: number;
  /** Whose runs are counted together: each user, each topic, or everyone. */
  per?: "user" | "topic" | "global";
  /**
   * A command run again too soon answers once with how long to wait
   * (`!roll: try again in 40 s`), then stays silent until the cooldown is
   * over. Default true for commands; `false` skips silently. (`hears`
   * cooldowns are always silent.)
   */
  notify?: boolean;
}

export class Cooldowns {
  /** Key → time (ms) from which the command may run again. */
  private readonly readyAt = new Map<string, number>();
  /** Key → the `readyAt` of the wait already answered (one answer per wait). */
  private readonly told = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records a run if the cooldown allows it. Returns 0 when it may run, else
   * the milliseconds left.
   */
  take(command: string, spec: CooldownSpec, who: { from: string; topic: string }): number {
    const key = keyOf(command, spec, who);
    const now = this.now();
    const ready = this.readyAt.get(key) ?? 0;
    if (now < ready) return ready - now;
    this.readyAt.set(key, now + spec.seconds * 1000);
    this.prune(now);
    return 0;
  }

  /**
   * After `take` refused a run: true the first time for this wait, so the
   * caller answers once and then stays silent until the cooldown is over.
   */
  firstRefusal(command: string, spec: CooldownSpec, who: { from: string; topic: string }): boolean {
    const key = keyOf(command, spec, who);
    const ready = this.readyAt.get(key);
    if (ready === undefined || this.told.get(key) === ready) return false;
    this.told.set(key, ready);
    return true;
  }

  /** Drops expired entries now and then so the maps cannot grow without bound. */
  private prune(now: number): void {
    if (this.readyAt.size < 1024) return;
    for (const [key, ready] of this.readyAt) {
      if (ready > now) continue;
      this.readyAt.delete(key);
      this.told.delete(key);
    }
  }
}

function keyOf(command: string, spec: CooldownSpec, who: { from: string; topic: string }): string {
  const per = spec.per ?? "user";
  const scope = per === "user" ? who.from : per === "topic" ? who.topic : "";
  return `${command}\u0000${per}\u0000${scope}`;
}

/** `40 s`, `3 min`: a wait as a chat user reads it (rounded up). */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}
