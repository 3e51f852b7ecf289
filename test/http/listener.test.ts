/**
 * The HTTP listener over real HTTP on 127.0.0.1 (port 0), in front of
 * harness bots: health, readiness through a dropped link and a restart,
 * the metrics they leave, and plugin routes reaching their handlers.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { definePlugin } from "../../src/bot/api.ts";
import { type HttpListener, Metrics, startHttp } from "../../src/http/index.ts";
import { createHarness, type Harness } from "../../src/testing/index.ts";
import { parseExposition } from "./prom-text.ts";

const ops = definePlugin({
  name: "ops",
  setup(bot) {
    bot.http.post("/ping", async (request, ctx) => {
      await ctx.bot.send("#ops", `ping: ${await request.text()}`);
      return Response.json({ ok: true, bot: ctx.bot.id });
    });
    bot.http.get("/words/:word", (_request, ctx) => new Response(ctx.params.word));
    bot.http.post("/tell/:who", async (request, ctx) => {
      const told = (ctx.store.get<number>("told") ?? 0) + 1;
      ctx.store.set("told", told);
      await ctx.bot.dm(ctx.params.who!, `${await request.text()} (${told})`);
      return new Response(String(told));
    });
    bot.http.post("/boom", () => {
      throw new Error("boom");
    });
    bot.on("message", () => {});
  },
});

let open: { h: Harness; http: HttpListener; metrics: Metrics } | undefined;

afterEach(async () => {
  if (open === undefined) return;
  open.metrics.detachAll();
  await open.http.stop();
  await open.h.close();
  open = undefined;
});

async function serve() {
  const h = await createHarness({ bots: [{ id: "ops", topics: ["#ops"], plugins: [ops] }] });
  const metrics = new Metrics();
  metrics.attach(h.bot("ops"), "ops");
  const http = startHttp({ port: 0, bots: () => h.bots, metrics });
  open = { h, http, metrics };
  const get = (path: string, init?: RequestInit) => fetch(`${http.url}${path}`, init);
  const scrape = async () => {
    const response = await get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    return parseExposition(await response.text());
  };
  return { h, http, metrics, get, scrape };
}

const BOT = "ops@test.local";
const TOPIC = "#ops@test.local";

describe("health, readiness, metrics", () => {
  test("a connected, caught-up bot: /healthz 200, /readyz 200 naming it, /metrics counting its events", async () => {
    const { h, http, get, scrape } = await serve();
    expect(http.host).toBe("127.0.0.1");
    expect(http.port).toBeGreaterThan(0);
    const health = await get("/healthz");
    expect([health.status, await health.text()]).toEqual([200, "ok\n"]);
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      bots: [{ bot: BOT, ready: true, state: "ready" }],
    });

    const alice = await h.user("alice");
    await alice.join("#ops");
    for (const text of ["one", "two", "three"]) await alice.say("#ops", text);
    await h.settle();
    const m = await scrape();
    expect(m.types.get("scalarbot_handler_duration_seconds")).toBe("histogram");
    expect(m.value("scalarbot_bot_connected", { bot: BOT })).toBe(1);
    expect(
      m.value("scalarbot_events_handled_total", { bot: BOT, topic: TOPIC, kind: "message" }),
    ).toBe(3);
    expect(
      m.value("scalarbot_events_handled_total", { bot: BOT, topic: TOPIC, kind: "join" }),
    ).toBeGreaterThanOrEqual(1);
    const count = m.value("scalarbot_handler_duration_seconds_count", { bot: BOT, plugin: "ops" });
    expect(count).toBeGreaterThanOrEqual(4);
    expect(
      m.value("scalarbot_handler_duration_seconds_bucket", { bot: BOT, plugin: "ops", le: "+Inf" }),
    ).toBe(count!);
    expect(m.value("scalarbot_reconnects_total", { bot: BOT })).toBe(0);
    expect(m.value("scalarbot_catchup_lag_events", { bot: BOT, topic: TOPIC })).toBe(0);
    expect(m.value("scalarbot_outbound_queue", { bot: BOT })).toBe(0);
    expect(m.value("scalarbot_messages_sent_total", { bot: BOT })).toBe(0);
    expect(m.value("scalarbot_handler_errors_total", { bot: BOT, plugin: "ops" })).toBe(0);
    // The process's defaults, the ones that hold under Bun.
    expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(m.value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(m.types.get("nodejs_eventloop_lag_p99_seconds")).toBe("gauge");
    expect(m.types.has("nodejs_active_handles_total")).toBe(false);
    expect(m.value("scalarbot_runtime_info", { bun: Bun.version })).toBe(1);
  });

  test("/readyz is 503 naming the bot while its link is down (/healthz stays 200); 200 and a reconnect counted after", async () => {
    const { h, get, scrape } = await serve();
    await h.dropConnection("ops", {
      whileDown: async () => {
        const down = await get("/readyz");
        expect(down.status).toBe(503);
        const body = (await down.json()) as { ready: boolean; bots: Record<string, unknown>[] };
        expect(body.ready).toBe(false);
        expect(body.bots).toHaveLength(1);
        expect(body.bots[0]).toMatchObject({ bot: BOT, ready: false, state: "connecting" });
        expect(body.bots[0]!.reason).toMatch(/^(disconnected from|reconnecting to|connecting to) /);
        expect((await get("/healthz")).status).toBe(200);
        expect((await scrape()).value("scalarbot_bot_connected", { bot: BOT })).toBe(0);
      },
    });
    expect((await get("/readyz")).status).toBe(200);
    const m = await scrape();
    expect(m.value("scalarbot_bot_connected", { bot: BOT })).toBe(1);
    expect(m.value("scalarbot_reconnects_total", { bot: BOT })).toBe(1);
  });

  test("a restarted bot continues its series and its fresh plugin's routes; the old bot's are gone", async () => {
    const { h, metrics, get, scrape } = await serve();
    const alice = await h.user("alice");
    await alice.join("#ops");
    await alice.say("#ops", "before");
    await h.settle();
    const old = h.bot("ops");
    expect(old.routes.list().map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /ping",
      "GET /words/:word",
      "POST /tell/:who",
      "POST /boom",
    ]);
    const fresh = await h.restartBot("ops");
    metrics.attach(fresh, "ops");
    expect(old.routes.list()).toEqual([]);
    await alice.say("#ops", "after");
    await h.settle();
    const m = await scrape();
    expect(
      m.value("scalarbot_events_handled_total", { bot: BOT, topic: TOPIC, kind: "message" }),
    ).toBe(2);
    expect(m.value("scalarbot_reconnects_total", { bot: BOT })).toBe(1);
    expect(await (await get("/bots/ops/words/again")).text()).toBe("again");
  });

  test("wrong methods and unknown paths are 405 and 404", async () => {
    const { get } = await serve();
    const post = await get("/healthz", { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    expect((await get("/nothing")).status).toBe(404);
    expect((await get("/healthz", { method: "HEAD" })).status).toBe(200);
  });
});

describe("plugin routes under /bots/<bot id>/", () => {
  test("POST /bots/<id>/ping reaches the handler, which posts to a channel", async () => {
    const { h, get, scrape } = await serve();
    const alice = await h.user("alice");
    await alice.join("#ops");
    const response = await get(`/bots/${BOT}/ping`, { method: "POST", body: "hello" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, bot: BOT });
    await alice.expectMessage({ from: "ops", body: "ping: hello" });
    await h.settle();
    expect((await scrape()).value("scalarbot_messages_sent_total", { bot: BOT })).toBe(1);
  });

  test("a handler can send a direct message and keep state in the plugin's store", async () => {
    const { h, get } = await serve();
    const alice = await h.user("alice");
    for (const n of ["1", "2"]) {
      const response = await get("/bots/ops/tell/alice", { method: "POST", body: "psst" });
      expect(await response.text()).toBe(n);
    }
    await alice.expectMessage({ from: "ops", topic: "alice", body: "psst (1)" });
    await alice.expectMessage({ from: "ops", topic: "alice", body: "psst (2)" });
  });

  test("the bot is found by full ID (encoded or not) or local part; params are decoded", async () => {
    const { get } = await serve();
    for (const id of [BOT, encodeURIComponent(BOT), "ops", "OPS@Test.Local"]) {
      const response = await get(`/bots/${id}/words/a%20b`);
      expect([id, response.status, await response.text()]).toEqual([id, 200, "a b"]);
    }
  });

  test("no such bot or route is 404, a wrong method 405 with Allow", async () => {
    const { get } = await serve();
    const wrong = await get("/bots/ops/ping");
    expect([wrong.status, wrong.headers.get("allow")]).toEqual([405, "POST"]);
    expect(await wrong.text()).toBe(`${BOT} answers /ping to POST only\n`);
    const none = await get("/bots/ops/nope", { method: "POST" });
    expect([none.status, await none.text()]).toEqual([404, `${BOT} has no route /nope\n`]);
    expect((await get("/bots/nobody/ping", { method: "POST" })).status).toBe(404);
    expect((await get("/bots/ops")).status).toBe(404);
  });

  test("a handler that throws is a 500, reported against its plugin and counted", async () => {
    const { h, get, scrape } = await serve();
    const errors: Error[] = [];
    h.bot("ops").catch((error) => errors.push(error));
    const response = await get("/bots/ops/boom", { method: "POST" });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("POST /boom failed; the bot's log says why\n");
    expect(errors.map((e) => e.message)).toEqual([`${BOT}: plugin ops failed on POST /boom: boom`]);
    const m = await scrape();
    expect(m.value("scalarbot_handler_errors_total", { bot: BOT, plugin: "ops" })).toBe(1);
  });

  test("h.request calls a route without a socket", async () => {
    const { h } = await serve();
    const alice = await h.user("alice");
    await alice.join("#ops");
    const response = await h.request("ops", "POST", "/ping", "from the harness");
    expect(response.status).toBe(200);
    await alice.expectMessage({ from: "ops", body: "ping: from the harness" });
    expect((await h.request("ops", "GET", "/ping")).status).toBe(405);
  });
});

describe("the listener's address", () => {
  test("a port in use is named", async () => {
    const first = startHttp({ port: 0, bots: () => [] });
    try {
      expect(() => startHttp({ port: first.port, bots: () => [] })).toThrow(
        `the http listener cannot listen on 127.0.0.1:${first.port} (the port is in use: set http.port)`,
      );
    } finally {
      await first.stop();
    }
  });

  test("no bots: ready, and /metrics answers", async () => {
    const http = startHttp({ port: 0, bots: () => [], metrics: new Metrics() });
    try {
      const ready = await fetch(`${http.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { ready: true, bots: [] }]);
      const m = parseExposition(await (await fetch(`${http.url}/metrics`)).text());
      expect(m.types.get("scalarbot_events_handled_total")).toBe("counter");
    } finally {
      await http.stop();
    }
  });
});
