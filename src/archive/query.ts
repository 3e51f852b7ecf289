/**
 * Search: the index for what it holds, the files for the rest (reader.ts),
 * merged into one order — newest first, oldest first, or best match
 * (bm25, among the newest 10,000 hits when there are more) — and cut into
 * pages. A cursor is opaque to callers: for time
 * orders it is the last hit's place, so a page never repeats or skips a
 * hit as lines arrive; for best match it is an offset.
 */

import { ArchiveError } from "./errors.ts";
import { readLines } from "./files.ts";
import type { EventLine } from "./format.ts";
import { isEvent } from "./format.ts";
import { ftsQuery, likePattern, matches, type Query, snippet } from "./match.ts";
import { senderMatches } from "./names.ts";
import type { Archive } from "./reader.ts";
import { writtenSenderTag } from "./tags.ts";

export type Sort = "newest" | "oldest" | "rank";

export interface SearchParams {
  query?: Query;
  /** Full topic names; undefined for all. */
  topics?: readonly string[];
  /** A sender as written: `bob` or `bob@localhost`. */
  from?: string;
  kinds?: readonly string[];
  /** ms, inclusive. */
  since?: number;
  /** ms, exclusive. */
  until?: number;
  limit: number;
  sort?: Sort;
  cursor?: string;
  /** Best match ranks the newest this many hits at most (default RANK_WINDOW). */
  rankWindow?: number;
}

export interface Hit {
  topic: string;
  epoch?: string;
  seq: number;
  at: string;
  from: string;
  kind: string;
  body: string;
  /** The body's matching part as HTML: text escaped, hits in `<mark>`. */
  snippet: string;
  /** The day file it is in, and where. */
  day: string;
  offset: number;
}

export interface Page {
  hits: Hit[];
  /** The cursor of the next page; undefined on the last. */
  next: string | undefined;
}

/** A hit's place in time order: its key (index id, or at × 4096 + 4095), then file and offset. */
type Place = [key: number, source: 0 | 1, file: string, offset: number];

interface Found {
  place: Place;
  hit: Hit;
}

const PER_MS = 4096;

/** Best-match order ranks at most the newest this many hits (all of them for most queries). */
export const RANK_WINDOW = 10_000;

/** A page of hits: the index's and the not yet indexed lines', read on one state of the index. */
export function search(archive: Archive, params: SearchParams): Page {
  return archive.snapshot(() => searchNow(archive, params));
}

function searchNow(archive: Archive, params: SearchParams): Page {
  const sort = params.sort ?? "newest";
  if (sort === "rank" && params.query?.type !== "words") {
    throw new ArchiveError("bad_query", "best-match order needs a word search");
  }
  const topics = params.topics ?? archive.topicNames();
  const tail = fromFiles(archive, topics, params);
  if (sort === "rank") return ranked(archive, topics, params, tail);
  const after = params.cursor === undefined ? undefined : decodePlace(params.cursor);
  const sign = sort === "newest" ? -1 : 1;
  const beyond = (p: Place) => after === undefined || sign * compare(p, after) > 0;
  // `rowid <= key` of the cursor takes the cursor's own row too (ids are unique: at most one).
  const want = params.limit + 1 + (after === undefined ? 0 : 1);
  const fromIndex = indexed(archive, topics, params, sort, after, want);
  const merged = [...fromIndex, ...tail]
    .filter((f) => beyond(f.place))
    .sort((a, b) => sign * compare(a.place, b.place));
  const page = merged.slice(0, params.limit);
  const more = merged.length > params.limit;
  return {
    hits: page.map((f) => f.hit),
    next: more && page.length > 0 ? encode(page.at(-1)!.place) : undefined,
  };
}

function ranked(
  archive: Archive,
  topics: readonly string[],
  params: SearchParams,
  tail: Found[],
): Page {
  const offset = params.cursor === undefined ? 0 : decodeOffset(params.cursor);
  // Not indexed yet means newest: those come first, newest first.
  tail.sort((a, b) => -compare(a.place, b.place));
  const fromTail = tail.slice(offset, offset + params.limit);
  const skip = Math.max(0, offset - tail.length);
  const want = params.limit - fromTail.length + 1;
  const fromIndex = indexed(archive, topics, params, "rank", undefined, want, skip);
  const hits = [...fromTail, ...fromIndex].map((f) => f.hit);
  const more = hits.length > params.limit || offset + fromTail.length < tail.length;
  return {
    hits: hits.slice(0, params.limit),
    next: more ? encode([offset + params.limit]) : undefined,
  };
}

interface Row {
  id: number;
  day: string;
  folder: string;
  offset: number;
  topic: string;
  epoch: string | null;
  seq: number;
  at: number;
  sender: string;
  kind: string;
  body: string;
}

function indexed(
  archive: Archive,
  topics: readonly string[],
  params: SearchParams,
  sort: Sort,
  after: Place | undefined,
  limit: number,
  skip = 0,
): Found[] {
  const db = archive.index;
  if (db === undefined || topics.length === 0) return [];
  const where: string[] = [];
  const args: (string | number)[] = [];
  let from = "events e";
  let rowid = "e.id";
  const query = params.query;
  if (query?.type === "words") {
    from = "words JOIN events e ON e.id = words.rowid";
    rowid = "words.rowid";
    where.push("words MATCH ?");
    args.push(wordsMatch(archive, query, params));
  } else if (query?.type === "substring") {
    from = "grams JOIN events e ON e.id = grams.rowid";
    rowid = "grams.rowid";
    where.push("grams.body LIKE ?", "instr(lower(e.body), lower(?)) > 0");
    args.push(likePattern(query.text), query.text);
  }
  if (params.topics !== undefined) {
    where.push(
      `e.topic_id IN (SELECT id FROM topics WHERE name IN (${topics.map(() => "?").join(",")}))`,
    );
    args.push(...topics);
  }
  if (params.since !== undefined) {
    where.push(`${rowid} >= ?`);
    args.push(params.since * PER_MS);
  }
  if (params.until !== undefined) {
    where.push(`${rowid} < ?`);
    args.push(params.until * PER_MS);
  }
  if (after !== undefined) {
    where.push(`${rowid} ${sort === "newest" ? "<=" : ">="} ?`);
    args.push(after[0]);
  }
  if (params.from !== undefined) {
    if (params.from.includes("@")) {
      where.push("e.sender = ?");
      args.push(params.from.toLowerCase());
    } else {
      where.push("substr(e.sender, 1, ?) = ?");
      args.push(params.from.length + 1, `${params.from.toLowerCase()}@`);
    }
  }
  if (params.kinds !== undefined) {
    where.push(`e.kind IN (${params.kinds.map(() => "?").join(",")})`);
    args.push(...params.kinds);
  }
  if (sort === "rank") {
    // bm25 is worked out for every hit it orders: past the window, the newest that many are ranked.
    const window = params.rankWindow ?? RANK_WINDOW;
    const bound = run<{ id: number }>(
      archive,
      `SELECT ${rowid} AS id FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${rowid} DESC LIMIT 1 OFFSET ${window - 1}`,
      args,
    )[0];
    if (bound !== undefined) {
      where.push(`${rowid} >= ?`);
      args.push(bound.id);
    }
  }
  const order =
    sort === "rank" ? `rank, ${rowid} DESC` : `${rowid} ${sort === "newest" ? "DESC" : "ASC"}`;
  const sql = `SELECT e.id, f.day, f.folder, e.offset, t.name AS topic, e.epoch, e.seq, e.at, e.sender, e.kind, e.body
    FROM ${from} JOIN files f ON f.id = e.file_id JOIN topics t ON t.id = e.topic_id
    WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ? OFFSET ?`;
  const rows = run<Row>(archive, sql, [...args, limit, skip]);
  return rows.map((r) => {
    const hit: Hit = {
      topic: r.topic,
      seq: r.seq,
      at: new Date(r.at).toISOString(),
      from: r.sender,
      kind: r.kind,
      body: r.body,
      snippet: snippet(params.query, r.body),
      day: r.day,
      offset: r.offset,
    };
    if (r.epoch !== null) hit.epoch = r.epoch;
    return { place: [r.id, 0, `${r.folder}/${r.day}`, r.offset], hit: reorder(hit) };
  });
}

/** The query on the body, and the topics and sender as tags (tags.ts) when they are asked for. */
function wordsMatch(
  archive: Archive,
  query: Extract<Query, { type: "words" }>,
  params: SearchParams,
): string {
  let match = `body : (${ftsQuery(query)})`;
  if (params.topics !== undefined) {
    const ids = params.topics.flatMap((t) => {
      const row = archive.index!.query("SELECT id FROM topics WHERE name = ?").get(t) as {
        id: number;
      } | null;
      return row === null ? [] : [`t${row.id}`];
    });
    // None indexed: nothing of these topics is in the index.
    match += ` AND tags : (${ids.length === 0 ? "tnone" : ids.join(" OR ")})`;
  }
  if (params.from !== undefined) match += ` AND tags : ${writtenSenderTag(params.from)}`;
  return match;
}

function run<T>(archive: Archive, sql: string, args: (string | number)[]): T[] {
  try {
    return archive.index!.query(sql).all(...args) as T[];
  } catch (error) {
    throw new ArchiveError("bad_query", `cannot search ${archive.dir}: ${String(error)}`, {
      cause: error,
    });
  }
}

/** Hits in the lines the index does not hold. */
function fromFiles(archive: Archive, topics: readonly string[], params: SearchParams): Found[] {
  const sinceDay =
    params.since === undefined ? undefined : new Date(params.since).toISOString().slice(0, 10);
  const out: Found[] = [];
  for (const { file, from } of archive.uncovered(topics, sinceDay)) {
    for (const r of readLines(file.path, from)) {
      if (!isEvent(r.line) || !wanted(r.line, params)) continue;
      const ms = Date.parse(r.line.at);
      const hit: Hit = {
        ...pick(r.line),
        snippet: snippet(params.query, r.line.body),
        day: file.day,
        offset: r.offset,
      };
      out.push({
        place: [ms * PER_MS + PER_MS - 1, 1, `${file.folder}/${file.day}`, r.offset],
        hit: reorder(hit),
      });
    }
  }
  return out;
}

/** Whether an event line passes the filters (the same ones the index query applies). */
export function wanted(line: EventLine, params: Omit<SearchParams, "limit">): boolean {
  const at = Date.parse(line.at);
  if (params.since !== undefined && at < params.since) return false;
  if (params.until !== undefined && at >= params.until) return false;
  if (params.from !== undefined && !senderMatches(params.from, line.from)) return false;
  if (params.kinds !== undefined && !params.kinds.includes(line.kind)) return false;
  if (params.query !== undefined && !matches(params.query, line.body)) return false;
  return true;
}

function pick(line: EventLine): Omit<Hit, "snippet" | "day" | "offset"> {
  const { topic, epoch, seq, at, from, kind, body } = line;
  return epoch === undefined
    ? { topic, seq, at, from, kind, body }
    : { topic, epoch, seq, at, from, kind, body };
}

/** Keys in the archive's order: topic, epoch, seq, at, from, kind, body, then snippet, day, offset. */
function reorder(hit: Hit): Hit {
  const { topic, epoch, seq, at, from, kind, body, snippet, day, offset } = hit;
  return epoch === undefined
    ? { topic, seq, at, from, kind, body, snippet, day, offset }
    : { topic, epoch, seq, at, from, kind, body, snippet, day, offset };
}

function compare(a: Place, b: Place): number {
  for (let i = 0; i < 4; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decode(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new ArchiveError(
      "bad_cursor",
      `${JSON.stringify(cursor)} is not a cursor this search gave`,
    );
  }
}

function decodePlace(cursor: string): Place {
  const v = decode(cursor);
  const ok =
    Array.isArray(v) &&
    v.length === 4 &&
    typeof v[0] === "number" &&
    (v[1] === 0 || v[1] === 1) &&
    typeof v[2] === "string" &&
    typeof v[3] === "number";
  if (!ok)
    throw new ArchiveError(
      "bad_cursor",
      `${JSON.stringify(cursor)} is not a cursor of a time-ordered search`,
    );
  return v as Place;
}

function decodeOffset(cursor: string): number {
  const v = decode(cursor);
  if (!Array.isArray(v) || v.length !== 1 || !Number.isSafeInteger(v[0]) || v[0] < 0) {
    throw new ArchiveError(
      "bad_cursor",
      `${JSON.stringify(cursor)} is not a cursor of a best-match search`,
    );
  }
  return v[0] as number;
}
