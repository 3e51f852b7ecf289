import type { Socket } from "bun";
import {
  type DateTime,
  decodeEnvelope,
  encodeMessageFrame,
  FrameDecoder,
  type Outgoing,
  parseRequest,
  type Ref,
  ScalarError,
} from "../protocol/index.ts";
import { addressKey } from "./addresses.ts";
import {
  clipText,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_ERROR_RE_BYTES,
  MAX_LOG_TEXT_BYTES,
} from "./clip.ts";
import type { ServerContext } from "./context.ts";
import { dispatch } from "./handlers/index.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import { TokenBucket } from "./token-bucket.ts";
import type { Topic } from "./topic.ts";

/** Socket user data: the connection it belongs to. */
export type ServerSocket = Socket<Connection | undefined>;

/** How long a fatally closed connection may take to take its last frames. */
const CLOSE_GRACE_MS = 2000;

let serials = 0;

/**
 * One client connection: reassembles and decodes its frames, runs each
 * request synchronously (so replies leave in order), and owns its outbound
 * queue and keepalive state.
 */
export class Connection {
  readonly serial = ++serials;
  /** Full ID once identified. */
  id: string | undefined;
  admin = false;
  /** Channels this connection subscribed to (counted against the limit). */
  readonly channels = new Set<Topic>();
  /** Its own ID topic and the wall: permanent, not counted. */
  readonly automatic: Topic[] = [];
  readonly messageBucket: TokenBucket;
  readonly requestBucket: TokenBucket;
  readonly openedAt: number;
  lastHeard: number;
  /** When the outstanding server ping was sent; 0 when none is. */
  pingSentAt = 0;
  /** Since when the frame now half-received has been; 0 when none is. */
  partialSince = 0;
  /** Frames read so far. */
  private framesRead = 0;
  closing = false;
  /** Queued in the server's dirty list. */
  dirty = false;
  private key: string | undefined;
  private readonly out = new OutboundQueue();
  private readonly decoder = new FrameDecoder();
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: ServerContext,
    readonly socket: ServerSocket,
  ) {
    const { options } = ctx;
    this.openedAt = options.now();
    this.lastHeard = this.openedAt;
    this.messageBucket = new TokenBucket(options.rate, options.burst, options.now);
    this.requestBucket = new TokenBucket(options.requestRate, options.requestBurst, options.now);
  }

  get identified(): boolean {
    return this.id !== undefined;
  }

  get remote(): string {
    return this.socket.remoteAddress;
  }

  /** What its address is counted under (addresses.ts). */
  get addressKey(): string {
    return (this.key ??= addressKey(this.socket.remoteAddress));
  }

  // ------------------------------------------------------------- input --

  onData(chunk: Uint8Array): void {
    if (this.closing) return;
    this.lastHeard = this.ctx.options.now();
    const before = this.framesRead;
    try {
      this.decoder.push(chunk, this.onPayload);
    } catch (error) {
      // Only the frame decoder throws here (bad_frame): the stream is lost.
      this.fail(error);
    }
    // The half-sent deadline runs per frame: a frame left partial at the end
    // of this chunk started in it if any frame completed before it.
    if (!this.decoder.hasPartial) {
      this.partialSince = 0;
    } else if (this.partialSince === 0 || this.framesRead !== before) {
      this.partialSince = this.lastHeard;
    }
  }

  private readonly onPayload = (payload: Uint8Array): void => {
    this.framesRead++;
    if (!this.closing) this.onFrame(payload);
  };

  private onFrame(payload: Uint8Array): void {
    let type: string | undefined;
    let ref: Ref | undefined;
    try {
      const envelope = decodeEnvelope(payload);
      type = envelope.type;
      ref = envelope.ref;
      if (type === "pong") {
        // Never answered, even malformed or before identify.
        this.pingSentAt = 0;
        return;
      }
      if (type !== "message" && !this.requestBucket.take()) {
        throw new ScalarError("rate_limited", "too many requests; slow down");
      }
      if (!this.identified && type !== "identify" && type !== "ping") {
        throw new ScalarError("not_identified", `${type}: identify first`);
      }
      dispatch(this.ctx, this, parseRequest(envelope), ref);
    } catch (error) {
      if (error instanceof ScalarError) {
        // `ref` stays undefined when the envelope itself was bad (a bad
        // `ref` gets bad_message without one).
        error.ref ??= ref;
        error.re ??= type;
      }
      this.fail(error);
    }
  }

  // ------------------------------------------------------------ output --

  /** Queues a frame, or a frame inside a buffer shared by many connections. */
  send(frame: Uint8Array, start = 0, end = frame.length): void {
    if (this.closing) return;
    this.out.push(frame, start, end);
    // Output of the current tick is not yet "unsent": only what waits
    // behind a write the kernel refused counts against the bound.
    if (this.out.blocked && this.out.bytes > this.ctx.options.maxOutboundBytes) {
      this.slowConsumer();
      return;
    }
    if (!this.dirty) {
      this.dirty = true;
      this.ctx.markDirty(this);
    }
  }

  /** Sends a reply, echoing the request's `ref`. */
  reply(message: Outgoing, ref: Ref | undefined): void {
    if (ref !== undefined) message.ref = ref;
    this.send(encodeMessageFrame(message));
  }

  /** Sends a server ping. */
  ping(at: DateTime): void {
    this.pingSentAt = this.ctx.options.now();
    this.send(encodeMessageFrame({ type: "ping", at }));
  }

  /** Writes what is queued; called by the server once the reads of a loop turn are done. */
  flush(): void {
    this.dirty = false;
    if (!this.out.flush(this.socket)) return;
    if (this.closing) {
      if (this.out.empty) this.socket.end();
    } else if (this.out.bytes > this.ctx.options.maxOutboundBytes) {
      this.slowConsumer();
    }
  }

  private slowConsumer(): void {
    this.fatal("slow_consumer", "the connection does not read its output fast enough");
  }

  onDrain(): void {
    if (!this.out.drained(this.socket)) return;
    if (this.closing && this.out.empty) this.socket.end();
  }

  // ----------------------------------------------------------- errors --

  /** Answers a failed request; fatal codes close the connection. */
  fail(error: unknown): void {
    if (!(error instanceof ScalarError)) {
      this.ctx.log.log("error", "internal", { conn: this.serial, error });
      error = new ScalarError("internal", "internal server error");
    }
    const e = error as ScalarError;
    if (e.fatal) {
      this.fatal(e.code, e.message, e.re, e.ref);
      return;
    }
    this.ctx.log.log("debug", "error_reply", {
      conn: this.serial,
      code: e.code,
      re: e.re === undefined ? undefined : clipText(e.re, MAX_LOG_TEXT_BYTES),
    });
    this.send(errorFrame(e.code, e.message, false, e.re, e.ref));
  }

  /**
   * Sends a fatal error and closes once it is written. What is queued goes
   * first (the replies to requests read before a bad frame, say), except
   * for a slow consumer: its output is what it cannot take, so frames not
   * yet started are dropped and the client learns why from the error.
   * Written by the flusher like any output, after history is committed.
   */
  fatal(code: ScalarError["code"], message: string, re?: string, ref?: Ref): void {
    if (this.closing) return;
    this.ctx.log.log(code === "shutdown" ? "debug" : "info", "fatal", {
      conn: this.serial,
      id: this.id,
      code,
      message: clipText(message, MAX_LOG_TEXT_BYTES),
    });
    if (code === "slow_consumer") this.out.truncateToHead();
    this.out.push(errorFrame(code, message, true, re, ref));
    this.closing = true;
    this.closeTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
    if (!this.dirty) {
      this.dirty = true;
      this.ctx.markDirty(this);
    }
  }

  /** The socket closed, for whatever reason. */
  onClose(): void {
    this.closing = true;
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    this.out.clear();
    this.ctx.hub.detach(this, !this.ctx.stopping);
    this.ctx.closed(this);
  }
}

function errorFrame(
  code: string,
  message: string,
  fatal: boolean,
  re: string | undefined,
  ref: Ref | undefined,
): Uint8Array {
  // Both may echo what the client sent: clipped, the reply always fits a frame.
  const frame: Outgoing = {
    type: "error",
    code,
    message: clipText(message, MAX_ERROR_MESSAGE_BYTES),
    fatal,
  };
  if (re !== undefined) frame.re = clipText(re, MAX_ERROR_RE_BYTES);
  if (ref !== undefined) frame.ref = ref;
  return encodeMessageFrame(frame);
}
