/**
 * Search queries: parsed once, then asked of the index (as FTS5 syntax) and
 * of lines the index does not hold yet (matched here, the same way the
 * index's tokenizer would: words of letters and digits, case and
 * diacritics folded). Snippets are made here for both, so every hit looks
 * the same.
 *
 * Word queries: `brown fox` (both words, anywhere), `"brown fox"` (the
 * phrase), `fox*` (a prefix), `-dog` (without the word). Substring
 * queries find the text as written, ignoring the case of ASCII letters.
 */
import { ArchiveError } from "./errors.ts";
import { escapeHtml } from "./html.ts";

/** Consecutive words; the last one a prefix when `prefix`. */
interface Term {
  words: string[];
  prefix: boolean;
}

export type Query =
  | { type: "words"; text: string; include: Term[]; exclude: Term[] }
  | { type: "substring"; text: string };

const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** A word as the index compares it: lower case, without diacritics. */
export function fold(word: string): string {
  return word
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

function words(text: string): { word: string; start: number; end: number }[] {
  return [...text.matchAll(WORD)].map((m) => ({
    word: fold(m[0]),
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** Parses a query; throws `ArchiveError` (`bad_query`) for one without a word to look for. */
export function parseQuery(text: string, substring = false): Query {
  if (substring) {
    if (text === "") throw new ArchiveError("bad_query", "a substring search needs some text");
    return { type: "substring", text };
  }
  const include: Term[] = [];
  const exclude: Term[] = [];
  for (const m of text.matchAll(/(-?)(?:"([^"]*)"?(\*?)|(\S+))/g)) {
    const raw = m[2] ?? m[4] ?? "";
    const prefix = m[4] !== undefined ? raw.endsWith("*") : m[3] === "*";
    const found = words(raw).map((w) => w.word);
    if (found.length === 0) continue;
    (m[1] === "-" ? exclude : include).push({ words: found, prefix });
  }
  if (include.length === 0) {
    throw new ArchiveError(
      "bad_query",
      `${JSON.stringify(text)} has no word to search for (words are letters and digits; a substring search finds any text)`,
    );
  }
  return { type: "words", text, include, exclude };
}

/** The query in FTS5's syntax (for the `words` table). */
export function ftsQuery(query: Extract<Query, { type: "words" }>): string {
  const term = (t: Term) => `"${t.words.join(" ")}"${t.prefix ? "*" : ""}`;
  const all = query.include.map(term).join(" AND ");
  return query.exclude.reduce((q, t) => `${q} NOT ${term(t)}`, `(${all})`);
}

/** The LIKE pattern for the `grams` table: a superset (`%` and `_` of the text match anything), checked exactly after. */
export function likePattern(text: string): string {
  return `%${text.replace(/[%_]/g, "_")}%`;
}

/** Lower case for ASCII letters only, as SQLite's LIKE and lower() compare. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** The ranges of `body` the query matches; empty when it does not match. */
export function hitRanges(query: Query, body: string): [number, number][] {
  if (query.type === "substring") {
    const hay = asciiLower(body);
    const needle = asciiLower(query.text);
    const ranges: [number, number][] = [];
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) {
      ranges.push([i, i + needle.length]);
    }
    return ranges;
  }
  const found = words(body);
  const at = (t: Term) => {
    const starts: number[] = [];
    for (let i = 0; i + t.words.length <= found.length; i++) {
      const ok = t.words.every((w, k) => {
        const have = found[i + k]!.word;
        return t.prefix && k === t.words.length - 1 ? have.startsWith(w) : have === w;
      });
      if (ok) starts.push(i);
    }
    return starts;
  };
  if (query.exclude.some((t) => at(t).length > 0)) return [];
  const ranges: [number, number][] = [];
  for (const t of query.include) {
    const starts = at(t);
    if (starts.length === 0) return [];
    for (const i of starts) ranges.push([found[i]!.start, found[i + t.words.length - 1]!.end]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

export function matches(query: Query, body: string): boolean {
  return hitRanges(query, body).length > 0;
}

/**
 * The part of `body` around its first hit, as HTML: the text escaped, the
 * hits in `<mark>`, cuts shown as `…`. The whole body (escaped) when it
 * is short or nothing matched.
 */
export function snippet(query: Query | undefined, body: string, width = 160): string {
  const ranges = query === undefined ? [] : hitRanges(query, body);
  let start = 0;
  let end = body.length;
  if (body.length > width) {
    const first = ranges[0]?.[0] ?? 0;
    start = Math.max(0, first - Math.floor(width / 3));
    end = Math.min(body.length, start + width);
    start = Math.max(0, Math.min(start, end - width));
    // Cut at spaces rather than in a word, when one is near.
    const space = body.lastIndexOf(" ", start);
    if (start > 0 && space >= 0 && start - space < 20) start = space + 1;
    const after = body.indexOf(" ", end);
    if (end < body.length && after >= 0 && after - end < 20) end = after;
  }
  let html = start > 0 ? "…" : "";
  let pos = start;
  for (const [a, b] of ranges) {
    if (b <= pos || a >= end) continue;
    const from = Math.max(a, pos);
    html += escapeHtml(body.slice(pos, from));
    html += `<mark>${escapeHtml(body.slice(from, Math.min(b, end)))}</mark>`;
    pos = Math.min(b, end);
  }
  html += escapeHtml(body.slice(pos, end));
  return end < body.length ? `${html}…` : html;
}
