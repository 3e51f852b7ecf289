/**
 * A bot's route table: paths and `:params`, methods, clashes between
 * plugins, and routes dropped with their plugin.
 */
import { expect, test } from "bun:test";
import { Bot } from "../../src/bot/bot.ts";
import { RouteError, RouteTable } from "../../src/bot/routes.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";

const context = {} as never;
const handler = () => new Response("ok");
const route = (plugin: string, method: "GET" | "POST", path: string) => ({
  plugin,
  method,
  path,
  handler,
  context,
  failed: () => {},
});

test("literal segments and :params match; HEAD finds GET; another method is listed", () => {
  const table = new RouteTable();
  table.add(route("a", "POST", "/github"));
  table.add(route("a", "GET", "/repos/:owner/:name"));
  table.add(route("b", "GET", "/"));
  expect(table.match("POST", "/github")).toMatchObject({ type: "found", params: {} });
  expect(table.match("GET", "/repos/me/a%2Fb")).toMatchObject({
    type: "found",
    params: { owner: "me", name: "a/b" },
  });
  expect(table.match("HEAD", "/")).toMatchObject({ type: "found" });
  expect(table.match("GET", "/github")).toEqual({ type: "method", allowed: ["POST"] });
  expect(table.match("GET", "/repos/me")).toEqual({ type: "none" });
  expect(table.match("GET", "/repos//x")).toEqual({ type: "none" });
});

test("a bad path or the same route twice is refused, naming both plugins", () => {
  const table = new RouteTable();
  table.add(route("a", "POST", "/hook/:id"));
  expect(() => table.add(route("b", "POST", "/hook/:other"))).toThrow(
    "POST /hook/:other is registered twice: by plugin a (/hook/:id) and by plugin b",
  );
  table.add(route("b", "GET", "/hook/:id"));
  for (const path of ["hook", "/a b", "/x/", "/:1"]) {
    expect(() => table.add(route("a", "GET", path))).toThrow(RouteError);
  }
});

test("a plugin's routes go when the bot stops", async () => {
  // Never started: the table is the bot's whether or not it connects.
  const bot = new Bot({
    id: "b@x",
    topics: [],
    dialer: () => Promise.reject(new Error("no network here")),
    cursors: new MemoryCursorStore(),
  });
  const view = bot.forPlugin("hooks");
  view.http.post("/a", handler);
  bot.http.get("/b", handler);
  expect(bot.routes.list().map((r) => `${r.plugin} ${r.method} ${r.path}`)).toEqual([
    "hooks POST /a",
    "bot GET /b",
  ]);
  await bot.stop();
  expect(bot.routes.list()).toEqual([]);
  // Registered after the plugin was released: ignored.
  view.http.post("/late", handler);
  expect(bot.routes.list()).toEqual([]);
});
