/**
 * `scalar run` with an `http` listener, black-box: a real CLI process, an
 * external `scalar server` process stopped and started again, and plain
 * fetch against the address the run logs.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseExposition } from "../http/prom-text.ts";
import { type Spawned, spawnCli, startUser } from "./processes.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A process, killed and awaited after the test. */
function spawned(args: string[]): Spawned {
  const s = spawnCli(args);
  cleanup.push(async () => {
    s.proc.kill();
    await s.proc.exited;
  });
  return s;
}

async function startServer(port: number, history: string) {
  const server = spawned(["server", "--port", String(port), "--history", history]);
  const line = await server.waitFor(/^listening on /);
  return { server, port: Number(/:(\d+)$/.exec(line)![1]) };
}

/**
 * Re-asks until `check` holds: the state is another process's, seen only
 * through HTTP, so there is no event to await.
 */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await Bun.sleep(25);
  }
  throw new Error(`${what}: not within 10 s${last === undefined ? "" : ` (${last})`}`);
}

const PLUGIN = `// A plugin route that posts to a channel (types only: the file runs anywhere).
export default {
  name: "ping",
  setup(bot) {
    bot.http.post("/ping", async (request) => {
      await bot.send("#ops", \`pong: \${await request.text()}\`);
      return new Response("sent\\n");
    });
    bot.on("message", () => {});
  },
};
`;

test("scalar run with http: health, readiness across a server restart, metrics, a plugin route", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalar-http-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const history = `sqlite:${join(dir, "history.sqlite")}`;
  let { server, port } = await startServer(0, history);
  writeFileSync(join(dir, "ping.ts"), PLUGIN);
  writeFileSync(
    join(dir, "bots.yaml"),
    `server: { host: 127.0.0.1, port: ${port} }
http: { port: 0 }
bots:
  - id: opsbot@localhost
    topics: ["#ops"]
    state: ./state
    reconnect: { initial: 0.02, max: 0.1 }
    plugins:
      - use: ./ping.ts
`,
  );
  const run = spawned(["run", join(dir, "bots.yaml")]);
  const listening = await run.waitFor(/ http: listening on http:\/\/127\.0\.0\.1:\d+ /);
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)![1]!;
  const get = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
  const metrics = async () => parseExposition(await (await get("/metrics")).text());
  const BOT = { bot: "opsbot@localhost" };
  const OPS = { ...BOT, topic: "#ops@localhost", kind: "message" };

  expect((await get("/healthz")).status).toBe(200);
  await until("ready once connected", async () =>
    (await get("/readyz")).status === 200 ? true : undefined,
  );

  const { bot: alice, seen } = startUser(
    { host: "127.0.0.1", port },
    "alice@localhost",
    ["#ops"],
    cleanup,
    { initial: 20, max: 100 },
  );
  for (const text of ["one", "two", "three"]) {
    await alice.send("#ops", text);
  }
  const handled = await until("three messages counted", async () => {
    const n = (await metrics()).value("scalarbot_events_handled_total", OPS);
    return n !== undefined && n >= 3 ? n : undefined;
  });
  expect(handled).toBe(3);

  const ping = await get("/bots/opsbot@localhost/ping", { method: "POST", body: "hello" });
  expect([ping.status, await ping.text()]).toEqual([200, "sent\n"]);
  await seen.until(() =>
    seen.seen.some(
      (s) => s.type === "event" && s.from === "opsbot@localhost" && s.body === "pong: hello",
    ),
  );

  let m = await metrics();
  expect(m.value("scalarbot_bot_connected", BOT)).toBe(1);
  expect(
    m.find("scalarbot_handler_duration_seconds_bucket", { ...BOT, plugin: "ping" }).length,
  ).toBeGreaterThan(1);
  expect(m.value("scalarbot_messages_sent_total", BOT)).toBe(1);
  expect(m.value("scalarbot_reconnects_total", BOT)).toBe(0);

  // The server goes away: not ready, naming the bot and why; still healthy.
  server.proc.kill("SIGTERM");
  await server.proc.exited;
  const down = await until("not ready without a server", async () => {
    const response = await get("/readyz");
    return response.status === 503 ? response : undefined;
  });
  const body = (await down.json()) as { ready: boolean; bots: { bot: string; state: string }[] };
  expect(body.ready).toBe(false);
  expect(body.bots).toEqual([
    expect.objectContaining({ bot: "opsbot@localhost", ready: false, state: "connecting" }),
  ]);
  expect((await get("/healthz")).status).toBe(200);
  expect((await metrics()).value("scalarbot_bot_connected", BOT)).toBe(0);

  // It comes back on the same port: ready again, the reconnect counted.
  ({ server } = await startServer(port, history));
  await until("ready again", async () =>
    (await get("/readyz")).status === 200 ? true : undefined,
  );
  m = await metrics();
  expect(m.value("scalarbot_bot_connected", BOT)).toBe(1);
  expect(m.value("scalarbot_reconnects_total", BOT)).toBeGreaterThanOrEqual(1);
  // Alice's three and the bot's own "pong" (own messages are handed on too); none twice.
  expect(m.value("scalarbot_events_handled_total", OPS)).toBe(4);
  expect(m.value("scalarbot_catchup_lag_events", { ...BOT, topic: "#ops@localhost" })).toBe(0);

  run.proc.kill("SIGTERM");
  expect(await run.proc.exited).toBe(0);
}, 30_000);

test("an http port in use: scalar run says so and exits 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scalar-http-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const busy = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  cleanup.push(() => busy.stop(true));
  writeFileSync(
    join(dir, "bots.yaml"),
    `server: { embedded: { port: 0 } }
http: { port: ${busy.port} }
bots:
  - id: opsbot@localhost
    state: ./state
`,
  );
  const run = spawned(["run", join(dir, "bots.yaml")]);
  expect(await run.proc.exited).toBe(1);
  expect(await run.stderr()).toContain(
    `cannot start: the http listener cannot listen on 127.0.0.1:${busy.port} (the port is in use: set http.port)`,
  );
});
