/**
 * The archive's web viewer as one request handler, for `scalar logs serve`
 * (its own Bun server) or mounted under a path of another listener (a
 * logger with `web: true` on `scalar run`'s `http:` listener). Read-only:
 * GET and HEAD only. Every response says `noindex`, and pages run under a
 * content security policy that allows no inline script or style. With a
 * token, every request must bring it: `Authorization: Bearer <token>`,
 * `?token=<token>`, or the cookie that opening a page in a browser with
 * `?token=` sets (and the address bar then loses).
 *
 *   /                              topics with their last activity
 *   /<topic>                       a calendar of days with counts
 *   /<topic>/<day>[.txt|.jsonl]    a day; live when it is the newest
 *   /<topic>/at/<epoch>.<seq>      → the line on its day page (permalink)
 *   /<topic>/around/<epoch>.<seq>  the lines before and after it
 *   /<topic>/live                  Server-Sent Events (Last-Event-ID, ?after=)
 *   /search?q=…  /api/search?q=…   search (HTML, JSON)
 *
 * `<topic>` is `general@localhost` for `#general@localhost` (names.ts).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ArchiveError } from "../errors.ts";
import { parseAddress } from "../format.ts";
import { slugTopic } from "../names.ts";
import { search } from "../query.ts";
import { Archive } from "../reader.ts";
import { textLine } from "../text.ts";
import { LIVE_SCRIPT, ROBOTS, STYLE } from "./assets.ts";
import { liveResponse, parsePosition } from "./live.ts";
import {
  aroundPage,
  calendarPage,
  dayPage,
  indexPage,
  isDay,
  searchPage,
  searchParams,
} from "./pages.ts";
import { errorHtml, page, permalink, type Site } from "./render.ts";

export interface ArchiveAppOptions {
  /** The logger's folder. */
  dir: string;
  /** The path the app is mounted under (`/bots/logbot@localhost`); default none. */
  base?: string;
  /** Require this token. */
  token?: string;
  /** Comments on quiet live streams, ms (default 5000). */
  heartbeatMs?: number;
}

export interface ArchiveApp {
  /** Answers a request; `path` is the part after `base` (taken from the URL by default). */
  fetch(request: Request, path?: string): Promise<Response>;
  /** Ends live streams and closes the index. */
  close(): void;
}

const COOKIE = "scalar_logs_token";

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-robots-tag": "noindex, nofollow, noarchive",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export function createArchiveApp(options: ArchiveAppOptions): ArchiveApp {
  const site: Site = { base: (options.base ?? "").replace(/\/$/, "") };
  const archive = new Archive(options.dir);
  const streams = new Set<() => void>();
  const tokenHash = options.token === undefined ? undefined : hash(options.token);

  const respond = (
    status: number,
    body: string | ReadableStream<Uint8Array> | null,
    type: string,
    extra: Record<string, string> = {},
  ) =>
    new Response(body, {
      status,
      headers: { ...SECURITY_HEADERS, "content-type": type, ...extra },
    });
  const html = (status: number, text: string) => respond(status, text, "text/html; charset=utf-8");
  const notFound = (what: string) => html(404, page(site, "Not here", errorHtml(what)));

  function authorized(request: Request, url: URL): Response | "ok" {
    if (tokenHash === undefined) return "ok";
    const given =
      /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ??
      cookie(request.headers.get("cookie"), COOKIE) ??
      url.searchParams.get("token") ??
      undefined;
    if (given === undefined || !timingSafeEqual(hash(given), tokenHash)) {
      return respond(
        401,
        "this archive needs its access token: open it with ?token=…\n",
        "text/plain; charset=utf-8",
        {
          "www-authenticate": 'Bearer realm="archive"',
        },
      );
    }
    if (
      url.searchParams.has("token") &&
      (request.headers.get("accept") ?? "").includes("text/html")
    ) {
      // Into a cookie, and out of the address bar (and of links and history).
      url.searchParams.delete("token");
      return respond(303, null, "text/plain; charset=utf-8", {
        location: `${url.pathname}${url.search}`,
        "set-cookie": `${COOKIE}=${encodeURIComponent(given)}; Path=${site.base || "/"}; HttpOnly; SameSite=Strict`,
      });
    }
    return "ok";
  }

  async function route(request: Request, url: URL, path: string): Promise<Response> {
    if (path === "/" || path === "") return html(200, indexPage(site, archive));
    if (path === "/robots.txt") return respond(200, ROBOTS, "text/plain; charset=utf-8");
    if (path === "/assets/style.css") return respond(200, STYLE, "text/css; charset=utf-8");
    if (path === "/assets/live.js")
      return respond(200, LIVE_SCRIPT, "text/javascript; charset=utf-8");
    if (path === "/search") {
      const { status, html: text } = searchPage(site, archive, url.searchParams);
      return html(status, text);
    }
    if (path === "/api/search") return apiSearch(url);
    const parts = path.split("/").slice(1);
    let slug: string;
    try {
      slug = decodeURIComponent(parts[0] ?? "");
    } catch {
      return notFound(`${path} is not an address of this archive`);
    }
    const topic = slugTopic(slug);
    if (topic === undefined || !archive.topicNames().includes(topic)) {
      return notFound(`no topic ${slug} in this archive`);
    }
    const [second, third] = [parts[1], parts[2]];
    if (second === undefined && parts.length === 1)
      return html(200, calendarPage(site, archive, topic));
    if (second === "live" && parts.length === 2) {
      const after =
        parsePosition(request.headers.get("last-event-id")) ??
        parsePosition(url.searchParams.get("after"));
      return liveResponse(site, archive, topic, after, {
        heartbeatMs: options.heartbeatMs ?? 5000,
        streams,
      });
    }
    if ((second === "at" || second === "around") && third !== undefined && parts.length === 3) {
      const addr = parseAddress(third);
      if (second === "around") {
        const text = aroundPage(site, archive, topic, third);
        return text === undefined ? notFound(`${topic} has no line ${third}`) : html(200, text);
      }
      const at = addr === undefined ? undefined : archive.locate(topic, addr.epoch, addr.seq);
      if (addr === undefined || at === undefined) return notFound(`${topic} has no line ${third}`);
      return respond(302, null, "text/plain; charset=utf-8", {
        location: permalink(site, topic, at.day, addr),
      });
    }
    const m = /^(\d{4}-\d{2}-\d{2})(\.txt|\.jsonl)?$/.exec(second ?? "");
    if (m !== null && parts.length === 2 && isDay(m[1]!)) {
      const day = m[1]!;
      if (m[2] === undefined) {
        const text = dayPage(site, archive, topic, day);
        return text === undefined ? notFound(`${topic} has nothing on ${day}`) : html(200, text);
      }
      const lines = archive.dayLines(topic, day);
      if (lines.length === 0 && archive.files.dayFile(topic, day) === undefined) {
        return notFound(`${topic} has nothing on ${day}`);
      }
      if (m[2] === ".jsonl") {
        return respond(
          200,
          lines.map((l) => `${l.text}\n`).join(""),
          "application/x-ndjson; charset=utf-8",
        );
      }
      const text = lines.map((l) => `${textLine(l.line, { topic: false })}\n`).join("");
      return respond(200, text, "text/plain; charset=utf-8");
    }
    return notFound(`${path} is not an address of this archive`);
  }

  function apiSearch(url: URL): Response {
    const json = (status: number, value: unknown) =>
      respond(status, `${JSON.stringify(value)}\n`, "application/json; charset=utf-8");
    try {
      const result = search(archive, searchParams(archive, url.searchParams));
      return json(200, {
        hits: result.hits.map(({ day, offset: _offset, ...hit }) => ({
          ...hit,
          url: permalink(site, hit.topic, day, hit),
        })),
        next: result.next ?? null,
      });
    } catch (error) {
      if (error instanceof ArchiveError)
        return json(400, { error: { code: error.code, message: error.message } });
      throw error;
    }
  }

  return {
    async fetch(request, path) {
      const url = new URL(request.url);
      const sub =
        path ??
        (url.pathname.startsWith(site.base) ? url.pathname.slice(site.base.length) : url.pathname);
      if (request.method !== "GET" && request.method !== "HEAD") {
        return respond(
          405,
          "this archive is read-only: GET and HEAD only\n",
          "text/plain; charset=utf-8",
          {
            allow: "GET, HEAD",
          },
        );
      }
      const auth = authorized(request, url);
      if (auth !== "ok") return auth;
      try {
        return await route(request, url, sub);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return html(500, page(site, "Error", errorHtml(`cannot answer ${sub}: ${message}`)));
      }
    },
    close() {
      for (const stop of [...streams]) stop();
      archive.close();
    },
  };
}

function hash(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function cookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) {
      try {
        return decodeURIComponent(v.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
