/**
 * A bot's link as the harness sees it. The bot's dialer is wrapped so the
 * harness holds each transport (to cut it), counts the frames that pass (to
 * tell when nothing moves any more) and can send a round-trip marker.
 */

import type { Dialer, Transport } from "../client/transport.ts";
import { DateTime, decodeCbor, encodeMessageFrame, FrameDecoder } from "../protocol/index.ts";

/**
 * Markers are pings with a text `ref`: the server answers them in order,
 * after every frame it had for the bot, and the bot's connection ignores a
 * reply whose `ref` it never sent.
 */
const MARKER_PREFIX = "scalarbot-testing:";

interface Tracked {
  transport: Transport;
  closed: boolean;
  markers: Map<string, () => void>;
  whenClosed: Promise<void>;
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
        whenClosed: new Promise((resolve) => {
          closed = resolve;
        }),
      };
      const transport = await inner({
        data: (chunk) => {
          try {
            decoder.push(chunk, (payload) => this.observe(tracked, payload));
          } catch {
            // Bad framing: the bot's own decoder reports it and closes the link.
          }
          events.data(chunk);
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

  private observe(tracked: Tracked, payload: Uint8Array): void {
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
        return;
      }
    }
    this.activity++;
  }
}
