import type { BacklogReply, EventFrame } from "../protocol/index.ts";
import type { Cursor } from "./cursor-store.ts";

/** What a topic's sync hands to the dispatcher, in seq order. */
export type SyncItem =
  | { type: "event"; event: EventFrame; replayed: boolean; epoch: string | undefined }
  | {
      type: "gap";
      topic: string;
      from: number;
      to: number;
      reason: string;
      epoch: string | undefined;
    }
  /** Nothing to dispatch: the topic starts live after `seq` (first start). */
  | { type: "mark"; topic: string; seq: number; epoch: string | undefined }
  /**
   * The topic's numbering started again (protocol §5 Epochs): every event of
   * `epoch` is unseen, and the cursor goes back to 0 in it.
   */
  | {
      type: "reset";
      topic: string;
      previousEpoch: string | undefined;
      epoch: string | undefined;
      /** The last seq handed on in the previous numbering. */
      lastSeq: number;
    };

/** Pages of `history {topic, after}` from the current connection. */
export type HistorySource = (topic: string, after: number) => Promise<BacklogReply>;

/** Thrown inside a fill whose connection was replaced meanwhile. */
class Superseded extends Error {}

/** Live events a topic may hold back while it catches up, before the link is dropped. */
export const DEFAULT_MAX_BUFFERED = 10_000;
/** …and their bodies' bytes (an event's own fields count 256 more). */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export interface TopicSyncOptions {
  /** On a first start (no cursor): how many past events to replay; 0 starts live. */
  backlog: number;
  deliver(item: SyncItem): void;
  /** A fill failed or the live buffer overflowed: the connection must be dropped. */
  fault(error: unknown): void;
  maxBuffered?: number;
  maxBufferedBytes?: number;
}

/**
 * Keeps one topic gap-free and duplicate-free across connections and
 * server restarts.
 *
 * `delivered` is the last seq handed to the dispatcher (at first the
 * persisted cursor), in `epoch`. On each connection: `beginSubscribe` before
 * the `subscribe` goes out (live events buffer from then on),
 * `subscribed(seq, epoch)` when the reply comes: history after `delivered`
 * is paged up to `seq` and dispatched as replayed, then the buffered live
 * events. A new epoch (or, from a server without epochs, a `seq` below the
 * cursor) means the numbering started again: a `reset` item, then
 * everything from seq 1. A live event past `delivered + 1` means a gap,
 * filled from history the same way. What history no longer has is reported
 * as a gap item. The live buffer is bounded: past `maxBuffered` the link is
 * dropped, and the next connection catches up from history instead.
 */
export class TopicSync {
  private filling = false;
  private buffer: EventFrame[] = [];
  private bufferedBytes = 0;
  private generation = 0;
  private source: HistorySource | undefined;
  private overflowed = false;
  /** Last seq handed on; undefined until the first `subscribed` when there is no cursor. */
  delivered: number | undefined;
  /** The sequence space `delivered` counts in. */
  epoch: string | undefined;
  /** `subscribed.seq` of this connection; undefined until the reply (and after a disconnect). */
  subscribedSeq: number | undefined;

  constructor(
    readonly topic: string,
    cursor: Cursor | undefined,
    private readonly options: TopicSyncOptions,
  ) {
    this.delivered = cursor?.seq;
    this.epoch = cursor?.epoch;
  }

  /** True while history is being fetched (live events are being buffered). */
  get catchingUp(): boolean {
    return this.filling;
  }

  /** Call before sending `subscribe` on a new connection. */
  beginSubscribe(source: HistorySource): void {
    this.generation++;
    this.source = source;
    this.subscribedSeq = undefined;
    this.filling = true;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.overflowed = false;
  }

  /** Call when the connection ends: pending fills are abandoned, buffered events dropped. */
  disconnected(): void {
    this.generation++;
    this.source = undefined;
    this.subscribedSeq = undefined;
    this.filling = false;
    this.buffer = [];
    this.bufferedBytes = 0;
  }

  /**
   * Moves the topic back to a saved cursor (its later events will be
   * handed on again from history on the next connection).
   */
  rewind(cursor: Cursor | undefined): void {
    this.disconnected();
    this.delivered = cursor?.seq;
    this.epoch = cursor?.epoch;
  }

  /** Call with `subscribed`; resolves when catch-up is done and live dispatch runs. */
  async subscribed(latest: number, epoch?: string): Promise<void> {
    const generation = this.generation;
    this.subscribedSeq = latest;
    let quietRetention = false;
    if (this.delivered === undefined) {
      this.epoch = epoch;
      if (this.options.backlog > 0) {
        this.delivered = Math.max(0, latest - this.options.backlog);
        quietRetention = true;
      } else {
        this.delivered = latest;
        this.options.deliver({ type: "mark", topic: this.topic, seq: latest, epoch });
      }
    } else if (this.restarted(latest, epoch)) {
      const lastSeq = this.delivered;
      const previousEpoch = this.epoch;
      this.delivered = 0;
      this.epoch = epoch;
      this.options.deliver({ type: "reset", topic: this.topic, previousEpoch, epoch, lastSeq });
    } else if (epoch !== undefined) {
      // A cursor saved before the server had epochs learns its epoch here.
      this.epoch = epoch;
    }
    try {
      await this.fill(latest, generation, quietRetention);
      await this.drainBuffer(generation);
    } catch (error) {
      if (!(error instanceof Superseded)) throw error;
    }
  }

  private restarted(latest: number, epoch: string | undefined): boolean {
    if (epoch !== undefined && this.epoch !== undefined) return epoch !== this.epoch;
    return epoch === undefined && latest < this.delivered!;
  }

  /** A live event of this topic (synchronous: called from the socket's data path). */
  live(event: EventFrame): void {
    if (this.overflowed) return;
    if (this.filling || this.delivered === undefined) {
      this.hold(event);
      return;
    }
    if (event.seq <= this.delivered) return;
    if (event.seq === this.delivered + 1) {
      this.accept(event, false);
      return;
    }
    // A gap in the live stream: fill it from history, buffering meanwhile.
    this.filling = true;
    this.hold(event);
    const generation = this.generation;
    this.drainBuffer(generation).catch((error) => {
      if (!(error instanceof Superseded)) this.options.fault(error);
    });
  }

  /** Buffers a live event while history is read; past the bounds the link must go. */
  private hold(event: EventFrame): void {
    const max = this.options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    const maxBytes = this.options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const bytes = 256 + (event.body?.length ?? 0) + (event.data?.length ?? 0);
    if (this.buffer.length >= max || this.bufferedBytes + bytes > maxBytes) {
      const what =
        this.buffer.length >= max ? `${max} live events` : `${maxBytes} bytes of live events`;
      this.overflowed = true;
      this.buffer = [];
      this.bufferedBytes = 0;
      this.generation++;
      this.options.fault(
        new Error(
          `more than ${what} of ${this.topic} arrived while catching up; reconnecting to read them from history`,
        ),
      );
      return;
    }
    this.buffer.push(event);
    this.bufferedBytes += bytes;
  }

  private accept(event: EventFrame, replayed: boolean): void {
    this.delivered = event.seq;
    this.options.deliver({ type: "event", event, replayed, epoch: this.epoch });
  }

  private gap(from: number, to: number, reason: string): void {
    if (to < from) return;
    this.delivered = to;
    this.options.deliver({ type: "gap", topic: this.topic, from, to, reason, epoch: this.epoch });
  }

  private async drainBuffer(generation: number): Promise<void> {
    while (this.buffer.length > 0) {
      if (generation !== this.generation) throw new Superseded();
      const event = this.buffer.shift()!;
      this.bufferedBytes -= 256 + (event.body?.length ?? 0) + (event.data?.length ?? 0);
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
      if (page.epoch !== undefined && this.epoch !== undefined && page.epoch !== this.epoch) {
        throw new Error(
          `history of ${this.topic} is in epoch ${page.epoch}, the subscription in ${this.epoch}`,
        );
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
