/**
 * The lines of some topics over a time range, read from the day files and
 * merged across topics in time order (each topic's own order kept): what
 * `scalar logs` prints without `--search`, and what export writes. Gap
 * lines and reset markers come with them unless the lines are filtered by
 * sender, kind or query, which only events answer.
 */

import { type ReadLine, readLines } from "./files.ts";
import { type ArchiveLine, isEvent, isGap, isReset, utcDay } from "./format.ts";
import { type SearchParams, wanted } from "./query.ts";
import type { Archive } from "./reader.ts";

/** A line of the archive with where it is. */
export interface Entry {
  topic: string;
  day: string;
  offset: number;
  /** Where it ends (after its newline): a follower goes on from there. */
  end: number;
  line: ArchiveLine;
  /** The line as it is in its file. */
  text: string;
}

export type ListParams = Omit<SearchParams, "limit" | "sort" | "cursor"> & {
  /** Only the last N (after filtering). */
  limit?: number;
};

/** Whether the filters leave gap lines and reset markers in (they only apply to events). */
export function keepsMarkers(params: ListParams): boolean {
  return params.query === undefined && params.from === undefined && params.kinds === undefined;
}

export function entryPasses(entry: Entry, params: ListParams): boolean {
  const { line } = entry;
  if (isEvent(line)) return wanted(line, params);
  if (!keepsMarkers(params)) return false;
  if (isReset(line)) {
    const at = Date.parse(line.at);
    return (
      !(params.since !== undefined && at < params.since) &&
      !(params.until !== undefined && at >= params.until)
    );
  }
  return true;
}

/** The lines in time order, streamed (each topic's files read one at a time). */
export function* entries(
  archive: Archive,
  topics: readonly string[],
  params: ListParams,
): Generator<Entry> {
  const sinceDay = params.since === undefined ? undefined : utcDay(new Date(params.since));
  const streams = topics.map((topic) => topicStream(archive, topic, sinceDay, params));
  const heads = streams.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (h.done) continue;
      if (best < 0 || h.value.key < (heads[best]!.value as Keyed).key) best = i;
    }
    if (best < 0) return;
    const head = heads[best]!.value as Keyed;
    heads[best] = streams[best]!.next();
    if (entryPasses(head.entry, params)) yield head.entry;
  }
}

/** The lines in time order; with `limit`, the last that many. */
export function listEntries(
  archive: Archive,
  topics: readonly string[],
  params: ListParams,
): Entry[] {
  const out: Entry[] = [];
  for (const entry of entries(archive, topics, params)) {
    out.push(entry);
    if (params.limit !== undefined && out.length > params.limit * 2)
      out.splice(0, out.length - params.limit);
  }
  if (params.limit === undefined) return out;
  return params.limit === 0 ? [] : out.slice(-params.limit);
}

interface Keyed {
  key: number;
  entry: Entry;
}

/** A topic's lines from its day files, each with a time to merge by (a gap line takes its predecessor's). */
function* topicStream(
  archive: Archive,
  topic: string,
  sinceDay: string | undefined,
  params: ListParams,
): Generator<Keyed> {
  let key = 0;
  for (const file of archive.files.files(topic)) {
    if (sinceDay !== undefined && file.day < sinceDay) continue;
    // A file holds events of its day and earlier (never later): past the range it can only hold stragglers.
    if (
      params.until !== undefined &&
      Date.parse(`${file.day}T00:00:00Z`) >= params.until + 86_400_000
    )
      break;
    for (const r of readLines(file.path)) {
      if (!isGap(r.line)) key = Math.max(key, Date.parse((r.line as { at: string }).at) || key);
      yield { key, entry: toEntry(topic, file.day, r) };
    }
  }
}

export function toEntry(topic: string, day: string, r: ReadLine): Entry {
  return { topic, day, offset: r.offset, end: r.end, line: r.line, text: r.text };
}
