import type { BacklogReply, EventFrame } from "../protocol/index.ts";

/** What a topic's sync hands to the dispatcher, in seq order. */
export type SyncItem =
  | { type: "event"; event: EventFrame; replayed: boolean }
  | { type: "gap"; topic: string; from: number; to: number; reason: string }
  /** Nothing to dispatch: the topic starts live after `seq` (first start). */
  | { type: "mark"; topic: string; seq: number };

/** Pages of `history {topic, after}` from the current connection. */
export type HistorySource = (topic: string, after: number) => Promise<BacklogReply>;

/** Thrown inside a fill whose connection was replaced meanwhile. */
class Superseded extends Error {}

/**
 * Keeps one topic gap-free and duplicate-free across connections.
 *
 * `delivered` is the last seq handed to the dispatcher (at first the
 * persisted cursor). On each connection: `beginSubscribe` before the
 * `subscribe` goes out (live events buffer from then on), `subscribed(seq)`
 * when the reply comes: history after `delivered` is paged up to `seq` and
 * dispatched as replayed, then the buffered live events. A live event past
 * `delivered + 1` means a gap, filled from history the same way. What history
 * no longer has is reported as a gap item.
 */
export class TopicSync {
  private filling = false;
  private buffer: EventFrame[] = [];
  private generation = 0;
  private source: HistorySource | undefined;

  constructor(
    readonly topic: string,
    /** Last seq handed on; undefined until the first `subscribed` when there is no cursor. */
    public delivered: number | undefined,
    private readonly backlog: number,
    private readonly deliver: (item: SyncItem) => void,
    private readonly fault: (error: unknown) => void,
  ) {}

  /** True while history is being fetched (live events are being buffered). */
  get catchingUp(): boolean {
    return this.filling;
  }

  /** Call before sending `subscribe` on a new connection. */
  beginSubscribe(source: HistorySource): void {
    this.generation++;
    this.source = source;
    this.filling = true;
    this.buffer = [];
  }

  /** Call when the connection ends: pending fills are abandoned, buffered events dropped. */
  disconnected(): void {
    this.generation++;
    this.source = undefined;
    this.filling = false;
    this.buffer = [];
  }

  /** Call with `subscribed.seq`; resolves when catch-up is done and live dispatch runs. */
  async subscribed(latest: number): Promise<void> {
    const generation = this.generation;
    let quietRetention = false;
    if (this.delivered === undefined) {
      if (this.backlog > 0) {
        this.delivered = Math.max(0, latest - this.backlog);
        quietRetention = true;
      } else {
        this.delivered = latest;
        this.deliver({ type: "mark", topic: this.topic, seq: latest });
      }
    }
    try {
      await this.fill(latest, generation, quietRetention);
      await this.drainBuffer(generation);
    } catch (error) {
      if (!(error instanceof Superseded)) throw error;
    }
  }

  /** A live event of this topic (synchronous: called from the socket's data path). */
  live(event: EventFrame): void {
    if (this.filling || this.delivered === undefined) {
      this.buffer.push(event);
      return;
    }
    if (event.seq <= this.delivered) return;
    if (event.seq === this.delivered + 1) {
      this.accept(event, false);
      return;
    }
    // A gap in the live stream: fill it from history, buffering meanwhile.
    this.filling = true;
    this.buffer.push(event);
    const generation = this.generation;
    this.drainBuffer(generation).catch((error) => {
      if (!(error instanceof Superseded)) this.fault(error);
    });
  }

  private accept(event: EventFrame, replayed: boolean): void {
    this.delivered = event.seq;
    this.deliver({ type: "event", event, replayed });
  }

  private gap(from: number, to: number, reason: string): void {
    if (to < from) return;
    this.delivered = to;
    this.deliver({ type: "gap", topic: this.topic, from, to, reason });
  }

  private async drainBuffer(generation: number): Promise<void> {
    while (this.buffer.length > 0) {
      const event = this.buffer.shift()!;
      const delivered = this.delivered!;
      if (event.seq <= delivered) continue;
      if (event.seq > delivered + 1) {
        this.buffer.unshift(event);
        await this.fill(event.seq - 1, generation, false);
        this.buffer.shift();
        if (event.seq <= this.delivered!) continue;
      }
      this.accept(event, false);
    }
    this.filling = false;
  }

  /** Pages history until `delivered >= target`; reports what history cannot give. */
  private async fill(target: number, generation: number, quietRetention: boolean): Promise<void> {
    while (this.delivered! < target) {
      const source = this.source;
      if (source === undefined) throw new Superseded();
      const page = await source(this.topic, this.delivered!);
      if (generation !== this.generation) throw new Superseded();
      if (!page.available) {
        this.gap(this.delivered! + 1, target, "the server keeps no history for this topic");
        return;
      }
      let progressed = false;
      for (const event of page.events) {
        const delivered = this.delivered!;
        if (event.seq <= delivered) continue;
        if (event.seq > delivered + 1) {
          if (quietRetention) this.delivered = event.seq - 1;
          else this.gap(delivered + 1, event.seq - 1, "dropped by the server's history retention");
        }
        this.accept(event, true);
        progressed = true;
      }
      quietRetention = false;
      if (!page.more || !progressed) {
        if (this.delivered! < target) {
          this.gap(this.delivered! + 1, target, "not in the server's history");
        }
        return;
      }
    }
  }
}
