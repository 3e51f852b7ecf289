/**
 * The check, as a user runs it: a logger bot (`scalar run`) logs
 * two channels of a real server, messages with a <script> body and
 * Unicode among them; `scalar logs` searches and filters them, follows new
 * lines, exports, reindexes; `scalar logs serve` answers the search API,
 * the search page and the channel list; `web: true` serves the same viewer
 * on the run's `http:` listener.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import {
  readLog,
  runCli,
  type Spawned,
  spawnCli,
  startServerProcess,
  whenFiles,
} from "../cli/processes.ts";

const SCRIPT = "<script>alert('fox')</script>";
const cleanup: (() => unknown)[] = [];
let server: { spawned: Spawned; host: string; port: number };
let dir: string;
let logs: string;
let run: Spawned;
let viewer: string;
let alice: Bot;
let bob: Bot;

function user(id: string): Bot {
  const bot = new Bot({
    id,
    topics: ["#general", "#other"],
    dialer: tcpDialer(server.host, server.port),
    cursors: new MemoryCursorStore(),
    reconnect: { initial: 10, max: 100 },
  });
  cleanup.push(() => bot.stop());
  bot.start();
  return bot;
}

const logged = (channel: string) => readLog(logs, `${channel}@localhost`);
const bodies = (channel: string) => logged(channel).map((l) => l.body);

beforeAll(async () => {
  server = await startServerProcess(["--rate", "1000", "--burst", "1000"]);
  dir = mkdtempSync(join(tmpdir(), "scalar-archive-check-"));
  logs = join(dir, "logs");
  writeFileSync(
    join(dir, "bots.yaml"),
    `server: { host: ${server.host}, port: ${server.port} }
http: { port: 0 }
bots:
  - id: logbot@localhost
    topics: ["#general", "#other"]
    state: ./state
    plugins:
      - use: logger
        with: { dir: ./logs, web: true }
`,
  );
  run = spawnCli(["run", join(dir, "bots.yaml")]);
  cleanup.push(async () => {
    run.proc.kill();
    await run.proc.exited;
  });
  viewer = /listening on (http:\/\/\S+)/.exec(await run.waitFor(/http: listening on /))![1]!;
  await run.waitFor(/logbot@localhost: connected/);
  // Connected is before its subscriptions are answered: a logger without a
  // cursor logs from its own join on, so the messages wait for that line.
  await whenFiles(logs, () =>
    ["#general", "#other"].every((c) =>
      logged(c).some((l) => l.kind === "join" && l.from === "logbot@localhost"),
    ),
  );
  alice = user("alice@localhost");
  bob = user("bob@localhost");
  await alice.send("#general", "the quick brown fox jumps");
  await bob.send("#general", SCRIPT);
  await bob.send("#other", "a brown fox in the other channel");
  await alice.send("#other", "un café au lait — naïve façade ☕");
  await bob.send("#other", "no fox here, only a dog");
  await alice.send("#other", "alice's fox in #other");
  await whenFiles(
    logs,
    () => bodies("#general").includes(SCRIPT) && bodies("#other").includes("alice's fox in #other"),
  );
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  server.spawned.proc.kill();
  await server.spawned.proc.exited;
});

describe("scalar logs", () => {
  test('--search "brown fox" --format json prints every hit as a JSON line', async () => {
    const { code, stdout } = await runCli([
      "logs",
      "--dir",
      logs,
      "--search",
      "brown fox",
      "--format",
      "json",
    ]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.topic, l.from, l.body])).toEqual([
      ["#general@localhost", "alice@localhost", "the quick brown fox jumps"],
      ["#other@localhost", "bob@localhost", "a brown fox in the other channel"],
    ]);
    expect(Object.keys(lines[0])).toEqual(["topic", "epoch", "seq", "at", "from", "kind", "body"]);
  });

  test("'#other' --from bob --search fox prints only that channel's and sender's lines", async () => {
    const { code, stdout } = await runCli([
      "logs",
      "--dir",
      logs,
      "#other",
      "--from",
      "bob",
      "--search",
      "fox",
    ]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d #other <bob> a brown fox in the other channel$/,
    );
    expect(lines[1]).toMatch(/ #other <bob> no fox here, only a dog$/);
  });

  test("without --search: every line in time order, joins too; --kinds and --limit", async () => {
    const all = (await runCli(["logs", "--dir", logs])).stdout.trim().split("\n");
    expect(all.some((l) => l.endsWith("#general * logbot joined"))).toBe(true);
    expect(all.some((l) => l.endsWith(`#general <bob> ${SCRIPT}`))).toBe(true);
    const messages = (await runCli(["logs", "--dir", logs, "--kinds", "message", "--limit", "2"]))
      .stdout;
    expect(
      messages
        .trim()
        .split("\n")
        .map((l) => l.replace(/^.{20}/, "")),
    ).toEqual(["#other <bob> no fox here, only a dog", "#other <alice> alice's fox in #other"]);
  });

  test("usage errors name what is wrong and exit 2", async () => {
    const nowhere = await runCli(["logs", "--dir", logs, "#nowhere"]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("no logs of #nowhere in");
    const badTime = await runCli(["logs", "--dir", logs, "--since", "soon"]);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--since "soon" is not a time');
    const missing = await runCli(["logs", "--dir", join(dir, "absent")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no archive at");
  });

  test("--follow prints what comes next, once", async () => {
    const follow = spawnCli(["logs", "--dir", logs, "#general", "--follow"]);
    cleanup.push(() => follow.proc.kill());
    await follow.waitFor(/<alice> the quick brown fox jumps$/);
    await alice.send("#general", "a line written while following");
    await alice.send("#other", "not followed");
    await follow.waitFor(/#general <alice> a line written while following$/);
    follow.proc.kill("SIGINT");
    expect(await follow.proc.exited).toBe(0);
    expect(follow.lines.filter((l) => l.includes("the quick brown fox"))).toHaveLength(1);
    expect(follow.lines.some((l) => l.includes("not followed"))).toBe(false);
  });

  test("export writes each topic's range as .txt and .jsonl", async () => {
    const out = join(dir, "export");
    const { code, stdout } = await runCli([
      "logs",
      "export",
      "--dir",
      logs,
      "--out",
      out,
      "#other",
    ]);
    expect(code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^#other@localhost_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.jsonl$/);
    expect(stdout).toContain(files[1]!);
    const txt = readFileSync(join(out, files[1]!), "utf8");
    expect(txt).toContain("<alice> un café au lait — naïve façade ☕\n");
    const jsonl = readFileSync(join(out, files[0]!), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(jsonl.map((l) => l.seq)).toEqual(logged("#other").map((l) => l.seq));
  });

  test("reindex refuses while the logger runs, and rebuilds with --force", async () => {
    const refused = await runCli(["logs", "reindex", "--dir", logs]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/a logger \(process \d+\) writes .*: stop it first/);
    const forced = await runCli(["logs", "reindex", "--dir", logs, "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^indexed \d+ events of 2 files in [\d.]+ s: /);
    const again = await runCli(["logs", "--dir", logs, "--search", "café", "--format", "json"]);
    expect(again.stdout.trim().split("\n")).toHaveLength(1);
  });
});

describe("scalar logs serve", () => {
  let url: string;
  beforeAll(async () => {
    const serve = spawnCli(["logs", "serve", "--dir", logs, "--port", "0"]);
    cleanup.push(async () => {
      serve.proc.kill();
      await serve.proc.exited;
    });
    url = /^listening on (\S+)$/.exec(await serve.waitFor(/^listening on /))![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("GET /api/search?q=café has the Unicode message among its hits", async () => {
    const response = await fetch(`${url}/api/search?q=${encodeURIComponent("café")}`);
    const { hits } = (await response.json()) as {
      hits: { body: string; topic: string; snippet: string }[];
    };
    expect(hits.map((h) => h.body)).toContain("un café au lait — naïve façade ☕");
    expect(hits[0]!.snippet).toContain("<mark>café</mark>");
  });

  test("GET /search shows the <script> body escaped", async () => {
    const html = await (await fetch(`${url}/search?q=${encodeURIComponent("alert")}`)).text();
    expect(html).toContain("&lt;script&gt;<mark>alert</mark>(&#39;fox&#39;)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert");
  });

  test("GET / lists both channels", async () => {
    const html = await (await fetch(`${url}/`)).text();
    expect(html).toContain(">#general@localhost</a>");
    expect(html).toContain(">#other@localhost</a>");
  });
});

describe("web: true on scalar run's http listener", () => {
  test("the viewer answers under /bots/<bot id>/, its links too", async () => {
    const root = `${viewer}/bots/logbot@localhost`;
    const index = await (await fetch(`${root}/`)).text();
    expect(index).toContain(
      '<a href="/bots/logbot@localhost/other@localhost">#other@localhost</a>',
    );
    expect(index).toContain('href="/bots/logbot@localhost/assets/style.css"');
    expect((await fetch(`${root}/assets/style.css`)).headers.get("content-type")).toBe(
      "text/css; charset=utf-8",
    );
    const api = (await (await fetch(`${root}/api/search?q=naive`)).json()) as {
      hits: { url: string }[];
    };
    expect(api.hits).toHaveLength(1);
    const day = await fetch(`${viewer}${api.hits[0]!.url.split("#")[0]}`);
    expect(day.status).toBe(200);
    expect(await day.text()).toContain("naïve façade");
    expect(existsSync(join(logs, ".index", "archive.sqlite"))).toBe(true);
  });
});
