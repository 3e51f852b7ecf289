import { FrameDecoder } from "../protocol/index.ts";
import type { BudgetMember, ByteBudget } from "./budget.ts";
import { HeldFrames } from "./held-frames.ts";
import type { Logger } from "./log.ts";

/** Why input is held (bits of `holding`): the connection's output backs up. */
export const HOLD_OUTPUT = 1;
/** Why input is held: its token is being checked. */
export const HOLD_AUTH = 2;
/** Why input is held: this turn made all the output a turn may; the flush resumes it. */
export const HOLD_TURN = 4;

/** What the input side needs of its connection. */
export interface InputOwner {
  readonly serial: number;
  readonly closing: boolean;
  readonly socket: { pause(): void; resume(): void };
  /** Why its next request must wait (a HOLD_* reason), 0 if it may run now. */
  mustWait(): number;
  /** Runs one request (the payload is valid only during the call). */
  run(payload: Uint8Array): void;
  /** A bad frame (or a bad frame read behind held requests, once they ran). */
  fail(error: unknown): void;
  /** Dropped by the input budget, holding `bytes`. */
  shedInput(bytes: number): void;
}

/**
 * A connection's read side: reassembles its frames and runs each at once,
 * or, while its input is held (output backing up, a token being checked,
 * the turn's output not yet written), keeps them in order and runs them
 * when the hold ends, before anything read later. Counts what it holds in the server's input budget: the
 * buffer of the frame being received and the requests held back. Knows
 * since when a frame has been half-sent, for the server's deadline.
 */
export class ConnectionInput implements BudgetMember {
  /** Bytes counted in the input budget (set by the budget). */
  accounted = 0;
  weighed = 0;
  /** Since when the frame now half-received has been; 0 when none is. */
  partialSince = 0;
  /** Frames read so far. */
  private framesRead = 0;
  /** Why input is held (HOLD_* bits); 0 while it is read. */
  private holding = 0;
  private readonly held = new HeldFrames();
  private readonly decoder = new FrameDecoder();
  private replayScheduled = false;

  constructor(
    private readonly owner: InputOwner,
    private readonly budget: ByteBudget,
    private readonly log: Logger,
  ) {}

  /** Reads one chunk, read at `now`. */
  push(chunk: Uint8Array, now: number): void {
    if (this.held.error !== undefined) return;
    const before = this.framesRead;
    try {
      this.decoder.push(chunk, this.onPayload);
    } catch (error) {
      // Only the frame decoder throws here (bad_frame): the stream is lost.
      if (this.inputHeld) this.held.error = error;
      else this.owner.fail(error);
    }
    // The chunk is not ours to keep: what is held is copied out of it now.
    if (this.held.bytes > 0) this.held.seal();
    if (this.owner.closing) this.decoder.clear();
    else this.account();
    // The half-sent deadline runs per frame: a frame left partial at the end
    // of this chunk started in it if any frame completed before it.
    if (!this.decoder.hasPartial) {
      this.partialSince = 0;
    } else if (this.partialSince === 0 || this.framesRead !== before) {
      this.partialSince = now;
    }
  }

  private readonly onPayload = (payload: Uint8Array): void => {
    this.framesRead++;
    if (this.owner.closing) return;
    if (this.holding === 0) {
      const why = this.owner.mustWait();
      if (why !== 0) this.hold(why);
    }
    if (this.inputHeld) {
      this.held.keep(payload);
      return;
    }
    this.owner.run(payload);
  };

  /** True while requests are held back rather than run (paused, or frames still to replay). */
  get inputHeld(): boolean {
    return this.holding !== 0 || this.held.pending;
  }

  /** Stops reading requests, for `reason`, until `release(reason)`. */
  hold(reason: number): void {
    if (this.holding === 0) {
      this.owner.socket.pause();
      this.log.log("debug", "input_held", { conn: this.owner.serial, reason });
    }
    this.holding |= reason;
  }

  /** Ends a hold; once none is left, the held frames run (on a microtask) and reading resumes. */
  release(reason: number, now: number): void {
    if ((this.holding & reason) === 0) return;
    this.holding &= ~reason;
    if (this.holding !== 0 || this.owner.closing) return;
    this.owner.socket.resume();
    this.log.log("debug", "input_released", { conn: this.owner.serial });
    // The deadline of a frame half-sent when reading stopped starts again.
    if (this.partialSince !== 0) this.partialSince = now;
    if (!this.replayScheduled) {
      this.replayScheduled = true;
      queueMicrotask(this.replay);
    }
  }

  private readonly replay = (): void => {
    this.replayScheduled = false;
    while (this.holding === 0 && !this.owner.closing && this.held.pending) {
      const why = this.owner.mustWait();
      if (why !== 0) {
        this.hold(why);
        break;
      }
      const payload = this.held.take();
      if (payload !== undefined) this.owner.run(payload);
      else this.owner.fail(this.held.takeError());
    }
    this.account();
  };

  /**
   * The connection is closing: drops what is held, and reads on (dropping
   * what comes) if it was held, since a socket closed with input unread is
   * reset, and the reset can take the error frame with it.
   */
  stop(): void {
    this.held.clear();
    this.decoder.clear();
    this.account();
    if (this.holding !== 0) this.owner.socket.resume();
  }

  shed(): void {
    this.owner.shedInput(this.accounted);
  }

  /** Tells the budget what is held: nothing once the connection is closing. */
  private account(): void {
    const bytes = this.owner.closing ? 0 : this.decoder.heldBytes + this.held.bytes;
    if (bytes !== this.accounted) this.budget.change(this, bytes);
  }
}
