/**
 * The web viewer over a real socket: pages, the JSON search, day pages as
 * text, permalinks, live updates resumed exactly with Last-Event-ID, and
 * safety — bodies are text, read-only, noindex, an optional token.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createArchiveApp } from "../../src/archive/index.ts";
import { JsonlLog } from "../../src/plugins/logger.ts";
import { event, OTHER, tmp, writeArchive } from "./helpers.ts";

const SCRIPT = "<script>alert('owned')</script> the fox";
const DAY = "2026-12-01";

let dir: string;
let server: ReturnType<typeof Bun.serve>;
let app: ReturnType<typeof createArchiveApp>;
let base: string;

beforeAll(() => {
  dir = tmp("web");
  const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 9, 0, s));
  writeArchive(dir, [
    { body: "good morning", at: at(1) },
    { body: "the quick brown fox", from: "bob@localhost", at: at(2) },
    { body: SCRIPT, topic: OTHER, from: "bob@localhost", at: at(3) },
    { body: "un café crème, s'il vous plaît ☕", topic: OTHER, from: "carol@localhost", at: at(4) },
    { body: "", kind: "join", topic: OTHER, from: "dave@localhost", at: at(5) },
  ]);
  app = createArchiveApp({ dir, heartbeatMs: 200 });
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => app.fetch(r) });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  app.close();
  await server.stop(true);
});

const get = (path: string, init?: RequestInit) =>
  fetch(`${base}${path}`, { redirect: "manual", ...init });
const text = async (path: string) => {
  const response = await get(path);
  expect(response.status).toBe(200);
  return response.text();
};

describe("pages", () => {
  test("/ lists both channels with their counts and last activity", async () => {
    const html = await text("/");
    expect(html).toContain('<a href="/general@localhost">#general@localhost</a>');
    expect(html).toContain('<a href="/other@localhost">#other@localhost</a>');
    expect(html).toMatch(
      /#other@localhost<\/a><\/td><td class="n">3<\/td><td>2026-12-01 09:00 UTC/,
    );
  });

  test("a channel's calendar links its days with their counts", async () => {
    const html = await text("/other@localhost");
    expect(html).toContain(`<a href="/other@localhost/${DAY}">1<small>3</small></a>`);
    expect(html).toContain("<caption>2026-12</caption>");
  });

  test("a day page: every line with its permalink, a <script> body as text, live on the newest day", async () => {
    const response = await get(`/other@localhost/${DAY}`);
    const html = await response.text();
    expect(html).toContain("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; the fox");
    expect(html).not.toContain("<script>alert");
    expect(html).toContain(`<a class="t" href="/other@localhost/${DAY}#e1.1"`);
    expect(html).toContain('id="e1.2"');
    expect(html).toContain("un café crème, s&#39;il vous plaît ☕");
    expect(html).toContain(`data-live="/other@localhost/live?after=${DAY}%3A`);
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(response.headers.get("x-robots-tag")).toContain("noindex");
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("day pages as .txt and .jsonl", async () => {
    const txt = await get(`/other@localhost/${DAY}.txt`);
    expect(txt.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await txt.text()).toBe(
      `${DAY} 09:00:03 <bob> ${SCRIPT}\n${DAY} 09:00:04 <carol> un café crème, s'il vous plaît ☕\n${DAY} 09:00:05 * dave joined\n`,
    );
    const jsonl = (await text(`/other@localhost/${DAY}.jsonl`)).trim().split("\n");
    expect(jsonl.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3]);
    expect(JSON.parse(jsonl[0]!).body).toBe(SCRIPT);
  });

  test("a permalink by epoch and seq leads to its line; around shows it among its neighbours", async () => {
    const response = await get("/other@localhost/at/e1.2");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/other@localhost/${DAY}#e1.2`);
    const around = await text("/other@localhost/around/e1.2");
    expect(around).toContain('class="l hl" id="e1.2"');
    expect(around).toContain('id="e1.1"');
    expect((await get("/other@localhost/at/e1.99")).status).toBe(404);
  });

  test("search highlights hits, escapes bodies, filters and pages", async () => {
    const html = await text("/search?q=owned");
    expect(html).toContain(
      "&lt;script&gt;alert(&#39;<mark>owned</mark>&#39;)&lt;/script&gt; the fox",
    );
    expect(html).not.toContain("<script>alert");
    const filtered = await text("/search?q=fox&topic=%23general&from=bob");
    expect(filtered).toContain("the quick brown <mark>fox</mark>");
    expect(filtered).not.toContain("owned");
    const bad = await get("/search?q=fox&since=whenever");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("since &quot;whenever&quot; is not a time");
  });
});

describe("/api/search", () => {
  test("q=café finds the Unicode message, with the archive's fields and a snippet", async () => {
    const response = await get(`/api/search?q=${encodeURIComponent("café")}`);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const { hits, next } = (await response.json()) as {
      hits: Record<string, unknown>[];
      next: unknown;
    };
    expect(next).toBeNull();
    expect(hits).toEqual([
      {
        topic: OTHER,
        epoch: "e1",
        seq: 2,
        at: "2026-12-01T09:00:04.000Z",
        from: "carol@localhost",
        kind: "message",
        body: "un café crème, s'il vous plaît ☕",
        snippet: "un <mark>café</mark> crème, s&#39;il vous plaît ☕",
        url: `/other@localhost/${DAY}#e1.2`,
      },
    ]);
  });

  test("pages with next, and errors as JSON with a code", async () => {
    const first = (await (await get("/api/search?q=fox&limit=1")).json()) as {
      hits: { body: string }[];
      next: string;
    };
    expect(first.hits).toHaveLength(1);
    const second = (await (await get(`/api/search?q=fox&limit=1&cursor=${first.next}`)).json()) as {
      hits: { body: string }[];
      next: string | null;
    };
    expect(second.hits).toHaveLength(1);
    expect(second.hits[0]!.body).not.toBe(first.hits[0]!.body);
    expect(second.next).toBeNull();
    const bad = await get("/api/search?q=fox&limit=0");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: "bad_query", message: 'limit "0" is not a count from 1 to 500' },
    });
  });
});

describe("safety", () => {
  test("read-only: anything but GET and HEAD is 405; robots are turned away", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await get("/", { method });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
    expect(await text("/robots.txt")).toBe("User-agent: *\nDisallow: /\n");
    expect((await get("/nowhere@localhost")).status).toBe(404);
  });

  test("with a token: refused without it, let in with it (bearer, query, or the cookie a browser gets)", async () => {
    const guarded = createArchiveApp({ dir, token: "s3cret" });
    const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => guarded.fetch(r) });
    const url = `http://127.0.0.1:${s.port}`;
    try {
      expect((await fetch(`${url}/`)).status).toBe(401);
      expect((await fetch(`${url}/`, { headers: { authorization: "Bearer wrong" } })).status).toBe(
        401,
      );
      expect((await fetch(`${url}/`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(
        200,
      );
      expect((await fetch(`${url}/api/search?q=fox&token=s3cret`)).status).toBe(200);
      const browser = await fetch(`${url}/search?q=fox&token=s3cret`, {
        redirect: "manual",
        headers: { accept: "text/html" },
      });
      expect(browser.status).toBe(303);
      expect(browser.headers.get("location")).toBe("/search?q=fox");
      const cookie = browser.headers.get("set-cookie")!;
      expect(cookie).toContain("HttpOnly");
      const again = await fetch(`${url}/search?q=fox`, {
        headers: { cookie: cookie.split(";")[0]! },
      });
      expect(again.status).toBe(200);
    } finally {
      guarded.close();
      await s.stop(true);
    }
  });
});

/** Reads Server-Sent Events off a response. */
function events(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  return {
    async next(): Promise<{ id: string; data: { line: { body: string }; html: string } }> {
      for (;;) {
        const end = pending.indexOf("\n\n");
        if (end >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split("\n")
              .filter((l) => !l.startsWith(":") && l.includes(": "))
              .map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]),
          );
          if (fields.event === "line") return { id: fields.id!, data: JSON.parse(fields.data!) };
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        pending += decoder.decode(value, { stream: true });
      }
    },
    close: () => reader.cancel(),
  };
}

describe("live", () => {
  test("new lines arrive as events; a reconnect with Last-Event-ID goes on right after the last one", async () => {
    const page = await text(`/general@localhost/${DAY}`);
    const after = decodeURIComponent(/data-live="[^"]*after=([^"]+)"/.exec(page)![1]!);
    const stream = events(await get(`/general@localhost/live?after=${encodeURIComponent(after)}`));
    const log = new JsonlLog(dir);
    const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s));
    log.event({ ...event({ body: "<b>live</b> one", at: at(1) }), seq: 3 });
    const first = await stream.next();
    expect(first.data.line.body).toBe("<b>live</b> one");
    expect(first.data.html).toContain("&lt;b&gt;live&lt;/b&gt; one");
    expect(first.id).toMatch(new RegExp(`^${DAY}:\\d+$`));
    await stream.close();
    // While nobody listens, two more; the reconnect gets exactly those.
    log.event({ ...event({ body: "live two", at: at(2) }), seq: 4 });
    log.event({ ...event({ body: "live three", at: at(3) }), seq: 5 });
    const resumed = events(
      await get("/general@localhost/live", { headers: { "last-event-id": first.id } }),
    );
    expect((await resumed.next()).data.line.body).toBe("live two");
    expect((await resumed.next()).data.line.body).toBe("live three");
    // A line of the next day comes through the same stream, after a day heading.
    log.event({
      ...event({ body: "after midnight", at: new Date(Date.UTC(2026, 11, 2, 0, 0, 1)) }),
      seq: 6,
    });
    const next = await resumed.next();
    expect(next.id).toMatch(/^2026-12-02:\d+$/);
    expect(next.data.html).toContain(
      '<div class="sep"><a href="/general@localhost/2026-12-02">2026-12-02</a></div>',
    );
    await resumed.close();
    log.close();
  });
});

describe("markers", () => {
  test("gap lines and reset markers show as such on the day page, and in its text", async () => {
    const own = tmp("web-markers");
    const log = new JsonlLog(own);
    const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 11, 0, s));
    log.event({ ...event({ body: "before", at: at(1) }), seq: 1 });
    log.gap({ topic: "#general@localhost", epoch: "e1", from: 2, to: 4 }, at(2));
    log.reset({ topic: "#general@localhost", previousEpoch: "e1", epoch: "e2", lastSeq: 4 }, at(3));
    log.event({ ...event({ body: "after", at: at(4), epoch: "e2" }), seq: 1 });
    log.close();
    const viewer = createArchiveApp({ dir: own });
    try {
      const page = await (
        await viewer.fetch(new Request(`http://x/general@localhost/${DAY}`))
      ).text();
      expect(page).toContain(
        `<div class="m gap">seqs 2–4 are not in the server's history: those messages are missing here</div>`,
      );
      expect(page).toContain(
        `<div class="m reset">11:00:03 the server numbers this topic from 1 again in epoch e2 (epoch e1 ended at seq 4)</div>`,
      );
      // Both seq 1s have their own permalink: the epoch tells them apart.
      expect(page).toContain('id="e1.1"');
      expect(page).toContain('id="e2.1"');
      const txt = await (
        await viewer.fetch(new Request(`http://x/general@localhost/${DAY}.txt`))
      ).text();
      expect(txt).toContain("-- seqs 2–4 are not in the server's history");
      expect(txt).toContain("-- numbering restarted (epoch e2; e1 ended at seq 4)");
    } finally {
      viewer.close();
    }
  });
});
