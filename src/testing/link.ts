/**
 * A bot's link as the harness sees it. The bot's dialer is wrapped so the
 * harness holds each transport (to cut it), counts the frames that pass (to
 * tell when nothing moves any more) and can send a round-trip marker.
 */

import type { Dialer, Transport } from "../client/transport.ts";
import {
  concatBytes,
  DateTime,
  decodeCbor,
  encodeMessageFrame,
  FrameDecoder,
  frameOf,
} from "../protocol/index.ts";

/**
 * Markers are pings with a text `ref`: the server answers them in order,
 * after every frame it had for the bot. Their `pong`s are taken out of the
 * stream before the bot sees it (a reply to a request it never sent would
 * rightly make it drop the link).
 */
const MARKER_PREFIX = "scalarbot-testing:";

interface Tracked {
  transport: Transport;
  closed: boolean;
  markers: Map<string, () => void>;
  whenClosed: Promise<void>;
  /** The server broke framing: the rest passes through untouched. */
  broken: boolean;
}

export class BotLink {
  /** Frames the bot sent or received, markers left out. */
  activity = 0;
  private current: Tracked | undefined;
  private readonly opened: Tracked[] = [];
  private nextMarker = 1;

  constructor(readonly botId: string) {}

  /** Set while a test holds the bot off the server: dials wait for it. */
  private held: Promise<void> | undefined;

  /** The bot's dialer, watched. */
  wrap(inner: Dialer): Dialer {
    return async (events) => {
      await this.held;
      const decoder = new FrameDecoder();
      let closed!: () => void;
      const tracked: Tracked = {
        transport: undefined as unknown as Transport,
        closed: false,
        markers: new Map(),
        broken: false,
        whenClosed: new Promise((resolve) => {
          closed = resolve;
        }),
      };
      const transport = await inner({
        data: (chunk) => {
          if (tracked.broken) {
            events.data(chunk);
            return;
          }
          // Frames may span chunks: what the bot gets is re-framed, a
          // marker's pong left out.
          const frames: Uint8Array[] = [];
          try {
            decoder.push(chunk, (payload) => {
              if (!this.observe(tracked, payload)) frames.push(frameOf(payload));
            });
          } catch {
            // Bad framing: the bot's own decoder reports it and closes the link.
            tracked.broken = true;
            events.data(chunk);
            return;
          }
          if (frames.length > 0)
            events.data(frames.length === 1 ? frames[0]! : concatBytes(frames));
        },
        close: (error) => {
          tracked.closed = true;
          for (const done of tracked.markers.values()) done();
          tracked.markers.clear();
          closed();
          events.close(error);
        },
      });
      tracked.transport = transport;
      this.opened.push(tracked);
      this.current = tracked;
      return {
        remote: transport.remote,
        write: (bytes) => {
          this.activity++;
          transport.write(bytes);
        },
        close: () => transport.close(),
      };
    };
  }

  /** True while a test holds the bot off the server. */
  get isHeld(): boolean {
    return this.held !== undefined;
  }

  get isOpen(): boolean {
    return this.current !== undefined && !this.current.closed;
  }

  /**
   * Resolves once the server answered a marker on the current link, so the
   * bot has received every frame the server had for it (and the server has
   * read everything the bot wrote before). Resolves at once without a link.
   */
  roundTrip(): Promise<void> {
    const tracked = this.current;
    if (tracked === undefined || tracked.closed) return Promise.resolve();
    const ref = `${MARKER_PREFIX}${this.nextMarker++}`;
    return new Promise((resolve) => {
      tracked.markers.set(ref, resolve);
      tracked.transport.write(encodeMessageFrame({ type: "ping", at: DateTime.now(), ref }));
    });
  }

  /**
   * Closes the current link (the bot sees it drop and reconnects) and
   * resolves once it is closed. While `whileDown` runs, the bot's dials
   * wait; they go ahead when it settles.
   */
  async cut(whileDown?: () => unknown): Promise<void> {
    const tracked = this.current;
    let release: (() => void) | undefined;
    if (whileDown !== undefined) {
      this.held = new Promise((resolve) => {
        release = resolve;
      });
    }
    try {
      if (tracked !== undefined && !tracked.closed) {
        tracked.transport.close();
        await tracked.whenClosed;
      }
      await whileDown?.();
    } finally {
      this.held = undefined;
      release?.();
    }
  }

  /** Links this bot opened that have not closed yet. */
  get openLinks(): number {
    return this.opened.filter((t) => !t.closed).length;
  }

  /** Resolves when every link this bot opened has closed. */
  async allClosed(): Promise<void> {
    await Promise.all(this.opened.map((t) => t.whenClosed));
  }

  /** Counts a frame for the bot; true when it is a marker's pong (not the bot's). */
  private observe(tracked: Tracked, payload: Uint8Array): boolean {
    let frame: { type?: unknown; ref?: unknown };
    try {
      frame = decodeCbor(payload) as typeof frame;
    } catch {
      frame = {};
    }
    if (frame.type === "pong" && typeof frame.ref === "string") {
      const done = tracked.markers.get(frame.ref);
      if (done !== undefined) {
        tracked.markers.delete(frame.ref);
        done();
        return true;
      }
    }
    this.activity++;
    return false;
  }
}
