/**
 * The logger's line formats (documented in ../logger.ts and
 * docs/runtime.md#logger) and what a line says about where a topic was
 * logged up to: its position, an epoch and a seq.
 */
import {
  DAY_FILE,
  type EventLine,
  type GapLine,
  type ResetLine,
  topicFolder,
  utcDay,
} from "../../archive/index.ts";
import type { EventContext, GapContext, ResetContext } from "../../bot/index.ts";

export { DAY_FILE, type GapLine, type ResetLine, topicFolder, utcDay };

/** An event's line (the archive's `EventLine`). */
export type LogLine = EventLine;

/**
 * Where a topic is logged up to: `seq` (a gap's `to`; 0 right after a reset
 * marker) in `epoch` (undefined when the line had none).
 */
export interface Position {
  epoch: string | undefined;
  seq: number;
}

export const START: Position = { epoch: undefined, seq: 0 };

/** What the logger needs of a context; a missing `epoch` is the same as undefined. */
type Epoched<T, K extends keyof T> = Omit<Pick<T, K>, "epoch" | "previousEpoch"> & {
  readonly epoch?: string | undefined;
};

export type LoggedEvent = Epoched<
  EventContext,
  "topic" | "seq" | "at" | "from" | "kind" | "body" | "contentType" | "replayed"
>;
export type LoggedGap = Epoched<GapContext, "topic" | "from" | "to">;
export type LoggedReset = Epoched<ResetContext, "topic" | "lastSeq"> & {
  readonly previousEpoch?: string | undefined;
};

export function eventLine(ctx: LoggedEvent): LogLine {
  const { topic, epoch, seq, from, kind, body } = ctx;
  const at = ctx.at.toISOString();
  // Key order as documented: topic, epoch, seq, …
  const line: LogLine =
    epoch === undefined
      ? { topic, seq, at, from, kind, body }
      : { topic, epoch, seq, at, from, kind, body };
  if (ctx.contentType !== undefined) line.content_type = ctx.contentType;
  if (ctx.replayed) line.replayed = true;
  return line;
}

export function gapLine(ctx: LoggedGap): GapLine {
  const gap = { from: ctx.from, to: ctx.to };
  return ctx.epoch === undefined
    ? { topic: ctx.topic, gap }
    : { topic: ctx.topic, epoch: ctx.epoch, gap };
}

export function resetLine(ctx: LoggedReset, at: Date): ResetLine {
  const { previousEpoch, epoch, lastSeq } = ctx;
  // Key order as documented: previousEpoch, epoch, lastSeq.
  const reset: ResetLine["reset"] =
    previousEpoch === undefined
      ? epoch === undefined
        ? { lastSeq }
        : { epoch, lastSeq }
      : epoch === undefined
        ? { previousEpoch, lastSeq }
        : { previousEpoch, epoch, lastSeq };
  return { topic: ctx.topic, reset, at: at.toISOString() };
}

/** The position a line leaves its topic at; undefined for a line that is none of ours (a torn write). */
export function positionOf(text: string): Position | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const line = parsed as { epoch?: unknown; seq?: unknown; gap?: unknown; reset?: unknown };
  const epoch = typeof line.epoch === "string" ? line.epoch : undefined;
  if (typeof line.seq === "number") return { epoch, seq: line.seq };
  const gap = line.gap as { to?: unknown } | undefined;
  if (typeof gap?.to === "number") return { epoch, seq: gap.to };
  const reset = line.reset as { epoch?: unknown; lastSeq?: unknown } | undefined;
  if (typeof reset?.lastSeq === "number") {
    return { epoch: typeof reset.epoch === "string" ? reset.epoch : undefined, seq: 0 };
  }
  return undefined;
}

/**
 * Whether `seq` in `epoch` is at or before `position`. Two known epochs that
 * differ are two numberings; a missing epoch (an old file, a server without
 * epochs) continues the numbering it is compared with, as the runtime's
 * cursors do.
 */
export function covers(position: Position, epoch: string | undefined, seq: number): boolean {
  const other = epoch !== undefined && position.epoch !== undefined && epoch !== position.epoch;
  return !other && seq <= position.seq;
}

/**
 * Whether the logger already follows the numbering a `reset` announces, so
 * its marker was written before (the reset is announced again after a
 * crash or a rewind to cursors saved before it). With epochs: it is in the
 * new epoch. Without: it is behind the previous numbering's last seq, which
 * only a numbering begun again can be.
 */
export function alreadyReset(position: Position, ctx: LoggedReset): boolean {
  if (ctx.epoch !== undefined) return position.epoch === ctx.epoch;
  return position.epoch === undefined && position.seq < ctx.lastSeq;
}
