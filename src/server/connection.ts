import type { Socket } from "bun";
import {
  type DateTime,
  encodeMessageFrame,
  type Outgoing,
  type Ref,
  ScalarError,
} from "../protocol/index.ts";
import { addressKey } from "./addresses.ts";
import { clipText, MAX_LOG_TEXT_BYTES } from "./clip.ts";
import type { ServerContext } from "./context.ts";
import { errorFrame } from "./error-frame.ts";
import { ConnectionInput, HOLD_OUTPUT, HOLD_TURN } from "./input.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import type { Receivers } from "./receivers.ts";
import { runRequest } from "./requests.ts";
import { TokenBucket } from "./token-bucket.ts";
import type { Topic } from "./topic.ts";

/** Socket user data: the connection it belongs to. */
export type ServerSocket = Socket<Connection | undefined>;

/** How long a fatally closed connection may take to read its last frames… */
const CLOSE_GRACE_MS = 2000;
/**
 * …and a slow consumer: its error comes after all the kernel holds for it,
 * megabytes, which a reset would throw away. What the server keeps of it
 * meanwhile is its socket and at most a frame's rest and the error (which
 * the output budget counts); only admitted connections get that far.
 */
const SLOW_CLOSE_GRACE_MS = 30_000;

/**
 * Output a connection may have waiting before the server stops reading its
 * requests: queued replies of this turn, or unsent bytes once the kernel
 * refused some. Reading resumes when the output has gone out.
 */
export const HOLD_OUTPUT_BYTES = 64 * 1024;

export { HOLD_AUTH } from "./input.ts";

let serials = 0;

/**
 * One client connection: runs each request its input side (input.ts)
 * hands it synchronously (so replies leave in order), and owns its
 * outbound queue and keepalive state.
 */
export class Connection {
  readonly serial = ++serials;
  /** Full ID once identified. */
  id: string | undefined;
  admin = false;
  /** Identifies refused so far (the third closes the connection). */
  refusedIdentifies = 0;
  /**
   * The topics it receives (their receiver lists): its channels, its own ID
   * topic and the wall; with its place in each (receivers.ts).
   */
  readonly lists: Receivers<Connection>[] = [];
  readonly places: number[] = [];
  /** Channels it subscribed to (counted against the limit). */
  channelCount = 0;
  /** Its own ID topic, once identified: its automatic subscribers are the ID's connections. */
  own: Topic | undefined;
  readonly messageBucket: TokenBucket;
  readonly requestBucket: TokenBucket;
  readonly openedAt: number;
  lastHeard: number;
  /** When the outstanding server ping was sent; 0 when none is. */
  pingSentAt = 0;
  closing = false;
  /** Its last output written and its write side shut (closing). */
  private finished = false;
  /** Queued in the server's dirty list. */
  dirty = false;
  /** Its messages numbered but not yet stored: their `sent` replies are still to come. */
  unsettled = 0;
  /** Bytes counted in the server's output budget (set by the budget): what it holds of its own. */
  accounted = 0;
  /** What the output budget ranks it by: those bytes and what it uses of pinned arenas. */
  weighed = 0;
  /** Its read side: frames, held requests, and what they count in the input budget. */
  readonly input: ConnectionInput;
  /** Bytes of whole frames (replies, not shared events) queued since the last flush. */
  private pendingOwn = 0;
  /** Waiting, input held, for the output of this turn to be written (turn-output.ts). */
  private waitingTurn = false;
  /** What its address is counted under (addresses.ts). */
  readonly addressKey: string;
  private readonly out: OutboundQueue;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: ServerContext,
    readonly socket: ServerSocket,
  ) {
    const { options } = ctx;
    this.openedAt = options.now();
    this.addressKey = addressKey(socket.remoteAddress);
    this.lastHeard = this.openedAt;
    this.messageBucket = new TokenBucket(options.rate, options.burst, options.now);
    this.requestBucket = new TokenBucket(options.requestRate, options.requestBurst, options.now);
    this.input = new ConnectionInput(this, ctx.inputBudget, ctx.log);
    this.out = new OutboundQueue(ctx.pins);
  }

  get identified(): boolean {
    return this.id !== undefined;
  }

  get remote(): string {
    return this.socket.remoteAddress;
  }

  // ------------------------------------------------------------- input --

  onData(chunk: Uint8Array): void {
    if (this.closing) return;
    this.lastHeard = this.ctx.options.now();
    this.input.push(chunk, this.lastHeard);
  }

  /** Stops reading requests, for `reason`, until `release(reason)`. */
  hold(reason: number): void {
    this.input.hold(reason);
  }

  /** Ends a hold; once none is left, the held requests run and reading resumes. */
  release(reason: number): void {
    this.input.release(reason, this.ctx.options.now());
  }

  /** Output waiting is past what a connection may have before its input is held. */
  backedUp(): boolean {
    return (this.out.blocked ? this.out.bytes : this.pendingOwn) > HOLD_OUTPUT_BYTES;
  }

  /**
   * Why the next request must wait (a HOLD_* reason), 0 if it may run: this
   * connection's output backs up, or this turn has made all the output a
   * turn may (then it waits for the flush, which resumes it).
   */
  mustWait(): number {
    if (this.backedUp()) return HOLD_OUTPUT;
    if (!this.ctx.turn.full) return 0;
    if (!this.waitingTurn) {
      this.waitingTurn = true;
      this.ctx.turn.wait(this);
    }
    return HOLD_TURN;
  }

  /** The output of the turn it waited for is written. */
  resume(): void {
    this.waitingTurn = false;
    this.release(HOLD_TURN);
  }

  /** Runs one request (requests.ts). */
  run(payload: Uint8Array): void {
    runRequest(this.ctx, this, payload);
  }

  // ------------------------------------------------------------ output --

  /** Queues a frame, or a frame inside a buffer shared by many connections. */
  send(frame: Uint8Array, start = 0, end = frame.length): void {
    if (this.closing) return;
    const bookkeeping = this.out.push(frame, start, end);
    // Behind a write the kernel refused, output counts against this
    // connection's bound and the output budget; the drain writes it.
    if (this.out.blocked) {
      if (this.out.bytes > this.ctx.options.maxOutboundBytes) this.slowConsumer();
      else this.account();
      return;
    }
    // Output of this turn counts in what the turn made: a whole buffer is
    // this connection's own (a reply); an event is a slice of an arena that
    // every subscriber shares, counted once when it was made (hub.ts).
    if (start === 0 && end === frame.length) {
      this.pendingOwn += end;
      this.ctx.turn.made += end + bookkeeping;
    } else {
      this.ctx.turn.made += bookkeeping;
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
    this.pendingOwn = 0;
    const open = this.out.flush(this.socket);
    if (open && this.out.blocked) this.keepUnsent();
    else this.account();
    if (!open) return;
    if (this.closing) {
      if (this.out.empty) this.finish();
    } else if (this.out.bytes > this.ctx.options.maxOutboundBytes) {
      this.slowConsumer();
    } else if (!this.backedUp()) {
      this.release(HOLD_OUTPUT);
    }
  }

  /**
   * All output of a closing connection is written: sends FIN but reads on
   * (dropping what comes) until the client closes or the grace ends.
   * Closed outright, the socket would be reset, and a reset loses what the
   * client has not read yet: the error, at the end of what the kernel holds.
   */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.socket.shutdown();
  }

  /** A write left output unsent: it counts against this connection's bound and the output budget. */
  private keepUnsent(): void {
    if (!this.closing && this.out.bytes > this.ctx.options.maxOutboundBytes) this.slowConsumer();
    else this.account();
  }

  private slowConsumer(): void {
    this.fatal("slow_consumer", "the connection does not read its output fast enough");
  }

  onDrain(): void {
    // The client reads: it is not silent, and a ping it has not answered
    // may still be queued behind what it is reading.
    this.lastHeard = this.ctx.options.now();
    if (this.pingSentAt !== 0) this.pingSentAt = this.lastHeard;
    const open = this.out.drained(this.socket);
    if (open && this.out.blocked) this.keepUnsent();
    else this.account();
    if (!open) return;
    if (this.closing) {
      if (this.out.empty) this.finish();
    } else if (!this.backedUp()) {
      this.release(HOLD_OUTPUT);
    }
  }

  /**
   * Dropped by the output budget, as the connection holding the most; one
   * already closing (its fatal error still queued) is cut off at once.
   */
  shed(): void {
    this.logShed("output", this.weighed);
    if (this.closing) {
      this.out.clear();
      this.account();
      // Not from inside a delivery (a budget sheds from within one): the
      // close publishes leaves, which must come after the event being sent.
      queueMicrotask(() => this.socket.terminate());
      return;
    }
    this.fatal(
      "slow_consumer",
      `the server's output budget is spent, and this connection holds more unsent output than others (${this.weighed} bytes)`,
    );
  }

  /** Dropped by the input budget, as the connection holding the most. */
  shedInput(bytes: number): void {
    this.logShed("input", bytes);
    this.fatal(
      "busy",
      `the server's input budget is spent, and this connection holds more unprocessed input than others (${bytes} bytes)`,
    );
  }

  private logShed(budget: "input" | "output", bytes: number): void {
    this.ctx.log.log("warn", "budget_shed", {
      conn: this.serial,
      remote: this.remote,
      budget,
      bytes,
    });
  }

  /**
   * Tells the output budget what this connection holds behind a refused
   * write, closing or not (a closing one holds at most the rest of a frame
   * and its error).
   */
  private account(): void {
    const bytes = this.out.blocked ? this.out.held : 0;
    const weight = this.out.blocked ? bytes + this.out.shared : 0;
    if (bytes !== this.accounted || weight !== this.weighed) {
      this.ctx.outputBudget.change(this, bytes, weight);
    }
  }

  // ----------------------------------------------------------- errors --

  /** Answers a failed request; fatal codes close the connection. */
  fail(error: unknown): void {
    if (this.unsettled > 0) this.ctx.hub.settle();
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
    if (this.unsettled > 0) this.ctx.hub.settle();
    this.ctx.log.log(code === "shutdown" ? "debug" : "info", "fatal", {
      conn: this.serial,
      id: this.id,
      code,
      message: clipText(message, MAX_LOG_TEXT_BYTES),
    });
    if (code === "slow_consumer") this.out.truncateToHead();
    this.out.push(errorFrame(code, message, true, re, ref));
    this.closing = true;
    this.account();
    this.input.stop();
    const grace = code === "slow_consumer" ? SLOW_CLOSE_GRACE_MS : CLOSE_GRACE_MS;
    this.closeTimer = setTimeout(() => this.socket.terminate(), grace);
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
    this.account();
    this.input.stop();
    this.ctx.hub.detach(this, !this.ctx.stopping);
    this.ctx.closed(this);
  }
}
