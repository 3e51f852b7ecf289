/**
 * The viewer's pages: the channel list, a channel's calendar, a day, the
 * lines around one line, and search. Each returns HTML, or undefined for
 * something that is not there (a 404).
 */
import { ArchiveError } from "../errors.ts";
import type { ReadLine } from "../files.ts";
import { DAY, parseAddress, utcDay } from "../format.ts";
import { escapeHtml } from "../html.ts";
import { parseQuery } from "../match.ts";
import { shortTopic } from "../names.ts";
import { type Page, type SearchParams, type Sort, search } from "../query.ts";
import type { Archive } from "../reader.ts";
import { parseTime } from "../time.ts";
import {
  daySeparator,
  dayUrl,
  errorHtml,
  hitHtml,
  lineHtml,
  page,
  type Site,
  topicUrl,
} from "./render.ts";

const KIND_NAMES = ["message", "join", "leave"];

export function indexPage(site: Site, archive: Archive): string {
  const rows = archive
    .summaries()
    .sort((a, b) => (b.lastAt ?? 0) - (a.lastAt ?? 0))
    .map((s) => {
      const last =
        s.lastAt === undefined
          ? ""
          : new Date(s.lastAt).toISOString().slice(0, 16).replace("T", " ");
      const newest =
        s.lastDay === undefined
          ? ""
          : `<a href="${escapeHtml(dayUrl(site, s.topic, s.lastDay))}">${s.lastDay}</a>`;
      return `<tr><td><a href="${escapeHtml(topicUrl(site, s.topic))}">${escapeHtml(s.topic)}</a></td><td class="n">${s.events}</td><td>${last} UTC</td><td>${newest}</td></tr>`;
    });
  const body =
    rows.length === 0
      ? "<p>Nothing is archived here yet.</p>"
      : `<table><thead><tr><th>topic</th><th class="n">events</th><th>last activity</th><th>newest day</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
  return page(site, "Archive", body);
}

export function calendarPage(site: Site, archive: Archive, topic: string): string {
  const days = archive.days(topic);
  const counts = new Map(days.map((d) => [d.day, d.events]));
  const months = [...new Set(days.map((d) => d.day.slice(0, 7)))].reverse();
  const tables = months.map((month) => {
    const [y, m] = month.split("-").map(Number) as [number, number];
    const first = new Date(Date.UTC(y, m - 1, 1));
    const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const lead = (first.getUTCDay() + 6) % 7; // weeks start on Monday
    const cells: string[] = Array.from({ length: lead }, () => "<td></td>");
    for (let d = 1; d <= length; d++) {
      const day = `${month}-${String(d).padStart(2, "0")}`;
      const n = counts.get(day);
      cells.push(
        n === undefined
          ? `<td class="dim">${d}</td>`
          : `<td><a href="${escapeHtml(dayUrl(site, topic, day))}">${d}<small>${n}</small></a></td>`,
      );
    }
    const weeks: string[] = [];
    for (let i = 0; i < cells.length; i += 7)
      weeks.push(`<tr>${cells.slice(i, i + 7).join("")}</tr>`);
    return `<table><caption>${month}</caption><thead><tr><th>Mo</th><th>Tu</th><th>We</th><th>Th</th><th>Fr</th><th>Sa</th><th>Su</th></tr></thead><tbody>${weeks.join("")}</tbody></table>`;
  });
  const total = days.reduce((n, d) => n + d.events, 0);
  const newest = days.at(-1)?.day;
  const intro = `<p>${total} events on ${days.length} days.${newest === undefined ? "" : ` Newest: <a href="${escapeHtml(dayUrl(site, topic, newest))}">${newest}</a>.`}</p>`;
  return page(site, shortTopic(topic), `${intro}<div class="cal">${tables.join("\n")}</div>`, {
    crumbs: [[topicUrl(site, topic), topic]],
    search: { topic },
  });
}

/** A day's page; the newest day (or today) goes on live. Undefined for a day with nothing. */
export function dayPage(
  site: Site,
  archive: Archive,
  topic: string,
  day: string,
  now = Date.now(),
): string | undefined {
  const days = archive.files.files(topic).map((f) => f.day);
  const today = utcDay(new Date(now));
  const newest = days.at(-1);
  if (!days.includes(day) && day !== today) return undefined;
  const lines = archive.dayLines(topic, day);
  const prev = days.filter((d) => d < day).at(-1);
  const next = days.find((d) => d > day);
  const links = [
    prev === undefined ? "" : `<a href="${escapeHtml(dayUrl(site, topic, prev))}">← ${prev}</a>`,
    `<a href="${escapeHtml(dayUrl(site, topic, day))}.txt">.txt</a>`,
    `<a href="${escapeHtml(dayUrl(site, topic, day))}.jsonl">.jsonl</a>`,
    next === undefined ? "" : `<a href="${escapeHtml(dayUrl(site, topic, next))}">${next} →</a>`,
  ].filter((l) => l !== "");
  const live = day === today || (newest !== undefined && day >= newest);
  const after = `${day}:${lines.at(-1)?.end ?? 0}`;
  const status = live ? ' <span id="live" class="live off">connecting…</span>' : "";
  const body = `<p class="dim">${lines.length} lines (UTC) · ${links.join(" · ")}${status}</p>
<div class="lines" id="lines">
${lines.map((r) => lineHtml(site, topic, day, r.line)).join("")}</div>`;
  return page(site, `${shortTopic(topic)} ${day}`, body, {
    crumbs: [[topicUrl(site, topic), topic]],
    search: { topic },
    ...(live ? { live: `${topicUrl(site, topic)}/live?after=${encodeURIComponent(after)}` } : {}),
  });
}

const CONTEXT = 25;

/** The lines before and after one event, across day files. */
export function aroundPage(
  site: Site,
  archive: Archive,
  topic: string,
  address: string,
): string | undefined {
  const addr = parseAddress(address);
  if (addr === undefined) return undefined;
  const at = archive.locate(topic, addr.epoch, addr.seq);
  if (at === undefined) return undefined;
  const days = archive.files.files(topic).map((f) => f.day);
  const lines = (d: string) => archive.dayLines(topic, d).map((r) => ({ day: d, r }));
  let shown = lines(at.day);
  const index = shown.findIndex(({ r }) => r.offset === at.offset);
  let start = index - CONTEXT;
  let end = index + CONTEXT + 1;
  const before = days.filter((d) => d < at.day).at(-1);
  if (start < 0 && before !== undefined) {
    const earlier = lines(before);
    shown = [...earlier, ...shown];
    start += earlier.length;
    end += earlier.length;
  }
  const after = days.find((d) => d > at.day);
  if (end > shown.length && after !== undefined) shown = [...shown, ...lines(after)];
  const slice = shown.slice(Math.max(0, start), end);
  let lastDay = "";
  const html = slice
    .map(({ day, r }: { day: string; r: ReadLine }) => {
      const sep = day === lastDay ? "" : daySeparator(site, topic, day);
      lastDay = day;
      return sep + lineHtml(site, topic, day, r.line, day === at.day && r.offset === at.offset);
    })
    .join("");
  return page(
    site,
    `${shortTopic(topic)}: around seq ${addr.seq}`,
    `<div class="lines" id="lines">\n${html}</div>`,
    {
      crumbs: [
        [topicUrl(site, topic), topic],
        [dayUrl(site, topic, at.day), at.day],
      ],
      search: { topic },
    },
  );
}

/** The search a URL's parameters ask for (`q, topic, from, since, until, kind, mode, sort, limit, cursor`). */
export function searchParams(archive: Archive, url: URLSearchParams): SearchParams {
  const q = url.get("q")?.trim() ?? "";
  const topicsWritten = url
    .getAll("topic")
    .flatMap((t) => t.split(","))
    .map((t) => t.trim())
    .filter(Boolean);
  const kinds = url
    .getAll("kind")
    .flatMap((k) => k.split(","))
    .map((k) => k.trim())
    .filter(Boolean);
  const wrong = kinds.filter((k) => !KIND_NAMES.includes(k));
  if (wrong.length > 0)
    throw new ArchiveError(
      "bad_query",
      `kind ${wrong.join(", ")} is none of ${KIND_NAMES.join(", ")}`,
    );
  const limitText = url.get("limit") ?? "50";
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 500) {
    throw new ArchiveError(
      "bad_query",
      `limit ${JSON.stringify(limitText)} is not a count from 1 to 500`,
    );
  }
  const sort = (url.get("sort") || "newest") as Sort;
  if (!["newest", "oldest", "rank"].includes(sort)) {
    throw new ArchiveError(
      "bad_query",
      `sort ${JSON.stringify(sort)} is none of newest, oldest, rank`,
    );
  }
  const params: SearchParams = { limit, sort };
  if (q !== "") params.query = parseQuery(q, url.get("mode") === "substring");
  if (topicsWritten.length > 0) params.topics = archive.resolveTopics(topicsWritten);
  const from = url.get("from")?.trim();
  if (from) params.from = from;
  const since = url.get("since")?.trim();
  if (since) params.since = parseTime(since, "since");
  const until = url.get("until")?.trim();
  if (until) params.until = parseTime(until, "until", { end: true });
  if (kinds.length > 0) params.kinds = kinds;
  const cursor = url.get("cursor");
  if (cursor) params.cursor = cursor;
  return params;
}

export function searchPage(
  site: Site,
  archive: Archive,
  url: URLSearchParams,
): { status: number; html: string } {
  let result: Page | undefined;
  let problem: string | undefined;
  try {
    result = search(archive, searchParams(archive, url));
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    problem = error.message;
  }
  const value = (name: string) => escapeHtml(url.get(name) ?? "");
  const chosen = new Set(url.getAll("topic"));
  const topics = archive
    .topicNames()
    .map(
      (t) =>
        `<option value="${escapeHtml(t)}"${chosen.has(t) || chosen.has(shortTopic(t)) ? " selected" : ""}>${escapeHtml(t)}</option>`,
    )
    .join("");
  const option = (name: string, v: string, text: string) =>
    `<option value="${v}"${(url.get(name) ?? "") === v ? " selected" : ""}>${text}</option>`;
  const form = `<form class="filters" action="${escapeHtml(site.base)}/search" method="get">
<label>words<input type="search" name="q" value="${value("q")}"></label>
<label>topic<select name="topic"><option value="">all</option>${topics}</select></label>
<label>from<input name="from" value="${value("from")}" size="10" placeholder="alice"></label>
<label>since<input name="since" value="${value("since")}" size="12" placeholder="7d, 2026-12-01"></label>
<label>until<input name="until" value="${value("until")}" size="12"></label>
<label>kind<select name="kind">${option("kind", "", "any")}${KIND_NAMES.map((k) => option("kind", k, k)).join("")}</select></label>
<label>match<select name="mode">${option("mode", "", "words")}${option("mode", "substring", "substring")}</select></label>
<label>order<select name="sort">${option("sort", "", "newest")}${option("sort", "oldest", "oldest")}${option("sort", "rank", "best match")}</select></label>
<button>search</button></form>`;
  let body = form;
  if (problem !== undefined) body += errorHtml(problem);
  else if (result !== undefined) {
    const next = new URLSearchParams(url);
    if (result.next !== undefined) next.set("cursor", result.next);
    body +=
      result.hits.length === 0
        ? "<p>No hits.</p>"
        : `<div class="hits"><ol>\n${result.hits.map((h) => hitHtml(site, h)).join("")}</ol></div>`;
    if (result.next !== undefined) {
      body += `<p><a rel="next" href="${escapeHtml(`${site.base}/search?${next}`)}">more →</a></p>`;
    }
  }
  const q = url.get("q") ?? "";
  return {
    status: problem === undefined ? 200 : 400,
    html: page(site, q === "" ? "Search" : `Search: ${q}`, body, { search: { q } }),
  };
}

export function isDay(text: string): boolean {
  return DAY.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}
