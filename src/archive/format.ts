/**
 * The archive's line formats (docs/runtime.md#logger): one JSON object a
 * line in `<topic>/<YYYY-MM-DD>.jsonl`. An event line, a gap line (seqs
 * history could not give) or a reset marker (the topic counts from seq 1
 * again). A line that is not one of them is a torn write: readers skip it.
 */

/** An event's line. */
export interface EventLine {
  topic: string;
  /** The event's sequence space; absent from servers without epochs and in files written before them. */
  epoch?: string;
  seq: number;
  at: string;
  from: string;
  kind: string;
  body: string;
  content_type?: string;
  replayed?: boolean;
}

/** Seqs history could not give. */
export interface GapLine {
  topic: string;
  epoch?: string;
  gap: { from: number; to: number };
}

/** The topic's numbering started again: what follows counts from seq 1 in `reset.epoch`. */
export interface ResetLine {
  topic: string;
  reset: { previousEpoch?: string; epoch?: string; lastSeq: number };
  /** When the logger learnt of it. */
  at: string;
}

export type ArchiveLine = EventLine | GapLine | ResetLine;

/** Kinds of event the protocol has. */
export const KINDS = ["message", "join", "leave"] as const;

export const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;
export const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` of a date in UTC. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function isEvent(line: ArchiveLine): line is EventLine {
  return "seq" in line;
}

export function isGap(line: ArchiveLine): line is GapLine {
  return "gap" in line;
}

export function isReset(line: ArchiveLine): line is ResetLine {
  return "reset" in line;
}

const str = (v: unknown): v is string => typeof v === "string";
const int = (v: unknown): v is number => Number.isSafeInteger(v);

/** A line's object when it is one of ours; undefined for a torn write or anything else. */
export function parseLine(text: string): ArchiveLine | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!str(o.topic) || (o.epoch !== undefined && !str(o.epoch))) return undefined;
  if (int(o.seq)) {
    const ok = str(o.at) && str(o.from) && str(o.kind) && str(o.body);
    return ok ? (o as unknown as EventLine) : undefined;
  }
  const gap = o.gap as Record<string, unknown> | undefined;
  if (typeof gap === "object" && gap !== null) {
    return int(gap.from) && int(gap.to) ? (o as unknown as GapLine) : undefined;
  }
  const reset = o.reset as Record<string, unknown> | undefined;
  if (typeof reset === "object" && reset !== null && int(reset.lastSeq) && str(o.at)) {
    return o as unknown as ResetLine;
  }
  return undefined;
}

/** An event's address on its topic: `epoch.seq`, or `.seq` without an epoch (URL-safe). */
export function lineAddress(line: { epoch?: string | undefined; seq: number }): string {
  return `${line.epoch === undefined ? "" : encodeURIComponent(line.epoch)}.${line.seq}`;
}

/** The epoch and seq of an address; undefined when it is none. */
export function parseAddress(text: string): { epoch: string | undefined; seq: number } | undefined {
  const dot = text.lastIndexOf(".");
  const seq = Number(text.slice(dot + 1));
  if (dot < 0 || !/^\d+$/.test(text.slice(dot + 1)) || !Number.isSafeInteger(seq)) return undefined;
  if (dot === 0) return { epoch: undefined, seq };
  try {
    return { epoch: decodeURIComponent(text.slice(0, dot)), seq };
  } catch {
    return undefined;
  }
}
