/**
 * HTML of the viewer's pieces: the page around everything, an archive line
 * (with its permalink), a hit. Every text from the archive goes through
 * `escapeHtml`; the only markup that is not ours is none.
 */
import { type ArchiveLine, isEvent, isGap, lineAddress } from "../format.ts";
import { escapeHtml } from "../html.ts";
import { shortSender, shortTopic, topicSlug } from "../names.ts";
import type { Hit } from "../query.ts";

/** Where the app is mounted (`""`, or `/bots/logbot@localhost`) and what links need. */
export interface Site {
  base: string;
}

export function topicUrl(site: Site, topic: string): string {
  return `${site.base}/${topicSlug(topic)}`;
}

export function dayUrl(site: Site, topic: string, day: string): string {
  return `${topicUrl(site, topic)}/${day}`;
}

/** The anchor of an event line on its day page: its address, `<epoch>.<seq>` (`.<seq>` without an epoch). */
export function anchor(line: { epoch?: string | undefined; seq: number }): string {
  return lineAddress(line);
}

export function permalink(
  site: Site,
  topic: string,
  day: string,
  line: { epoch?: string; seq: number },
): string {
  return `${dayUrl(site, topic, day)}#${anchor(line)}`;
}

export function page(
  site: Site,
  title: string,
  body: string,
  options: {
    crumbs?: [string, string][];
    search?: { topic?: string; q?: string };
    live?: string;
  } = {},
): string {
  const crumbs = [[`${site.base}/`, "archive"] as [string, string], ...(options.crumbs ?? [])]
    .map(([href, text]) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`)
    .join("");
  const topicField =
    options.search?.topic === undefined
      ? ""
      : `<input type="hidden" name="topic" value="${escapeHtml(options.search.topic)}">`;
  const live = options.live === undefined ? "" : ` data-live="${escapeHtml(options.live)}"`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(site.base)}/assets/style.css">
${options.live === undefined ? "" : `<script src="${escapeHtml(site.base)}/assets/live.js" defer></script>\n`}</head>
<body>
<header><nav class="crumbs">${crumbs}</nav><h1>${escapeHtml(title)}</h1>
<form action="${escapeHtml(site.base)}/search" method="get" role="search">${topicField}<input type="search" name="q" value="${escapeHtml(options.search?.q ?? "")}" placeholder="search${options.search?.topic === undefined ? "" : ` ${escapeHtml(shortTopic(options.search.topic))}`}" aria-label="search"> <button>search</button></form>
</header>
<main${live}>
${body}
</main>
</body>
</html>
`;
}

/** `08:04:38` of an ISO time. */
function clock(at: string): string {
  return at.slice(11, 19);
}

/** One archive line of a day page (or the live view, or a context page). */
export function lineHtml(
  site: Site,
  topic: string,
  day: string,
  line: ArchiveLine,
  highlight = false,
): string {
  if (isEvent(line)) {
    const id = anchor(line);
    const href = `${dayUrl(site, topic, day)}#${id}`;
    const who = escapeHtml(shortSender(line.from, line.topic));
    const cls = line.kind === "message" ? "l" : "l ev";
    const body =
      line.kind === "message"
        ? escapeHtml(line.body)
        : line.kind === "join"
          ? "joined"
          : line.kind === "leave"
            ? "left"
            : escapeHtml(line.kind);
    const time = `<a class="t" href="${escapeHtml(href)}" title="${escapeHtml(line.at)} · seq ${line.seq}${line.epoch === undefined ? "" : ` · epoch ${escapeHtml(line.epoch)}`}">${clock(line.at)}</a>`;
    return `<div class="${cls}${highlight ? " hl" : ""}" id="${escapeHtml(id)}">${time}<span class="f">${who}</span><span class="b">${body}</span></div>\n`;
  }
  if (isGap(line)) {
    const { from, to } = line.gap;
    const seqs = from === to ? `seq ${from} is` : `seqs ${from}–${to} are`;
    return `<div class="m gap">${seqs} not in the server's history: those messages are missing here</div>\n`;
  }
  const { previousEpoch, epoch, lastSeq } = line.reset;
  const was =
    previousEpoch === undefined ? "the previous numbering" : `epoch ${escapeHtml(previousEpoch)}`;
  const now = epoch === undefined ? "" : ` in epoch ${escapeHtml(epoch)}`;
  return `<div class="m reset">${clock(line.at)} the server numbers this topic from 1 again${now} (${was} ended at seq ${lastSeq})</div>\n`;
}

/** A day heading in a stream of lines that crosses midnight. */
export function daySeparator(site: Site, topic: string, day: string): string {
  return `<div class="sep"><a href="${escapeHtml(dayUrl(site, topic, day))}">${day}</a></div>\n`;
}

export function hitHtml(site: Site, hit: Hit): string {
  const link = permalink(site, hit.topic, hit.day, hit);
  const around = `${topicUrl(site, hit.topic)}/around/${lineAddress(hit)}`;
  return `<li class="hit"><div class="meta"><a href="${escapeHtml(topicUrl(site, hit.topic))}">${escapeHtml(shortTopic(hit.topic))}</a> · <a href="${escapeHtml(link)}">${escapeHtml(hit.at.slice(0, 10))} ${clock(hit.at)}</a> · ${escapeHtml(hit.from)} · <a href="${escapeHtml(around)}">context</a></div><div class="s">${hit.kind === "message" ? hit.snippet : `<i>${escapeHtml(hit.kind === "join" ? "joined" : hit.kind === "leave" ? "left" : hit.kind)}</i>`}</div></li>\n`;
}

export function errorHtml(message: string): string {
  return `<p class="error">${escapeHtml(message)}</p>`;
}
