/**
 * A conversation in a real `scalar run` process survives SIGKILL: the
 * form's position and answers come back from the state database with the
 * cursors, and an answer the killed process may or may not have handled
 * counts once after the restart.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import { type Spawned, spawnCli, startServerProcess, whenCursors } from "./processes.ts";

const ROOT = join(import.meta.dir, "../..");
let server: { spawned: Spawned; host: string; port: number };
let dir: string;
const cleanup: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startServerProcess();
  dir = mkdtempSync(join(tmpdir(), "scalar-conversation-"));
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  server.spawned.proc.kill();
  await server.spawned.proc.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** A user on its own connection: what the bot said to #general, awaitable. */
function user(id: string) {
  const heard: string[] = [];
  const waiters: { pattern: RegExp; after: number; resolve: (body: string) => void }[] = [];
  const bot = new Bot({
    id,
    topics: ["#general"],
    dialer: tcpDialer(server.host, server.port),
    cursors: new MemoryCursorStore(),
  });
  bot.on("event", (ctx) => {
    if (!ctx.from.startsWith("desk@") || ctx.kind === "leave") return;
    // The bot's join: it is subscribed, and hears what is said from now on.
    const line = ctx.kind === "join" ? "(joined)" : ctx.body;
    heard.push(line);
    for (const w of [...waiters]) {
      if (heard.length > w.after && w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  cleanup.push(() => bot.stop());
  bot.start();
  return {
    heard,
    say: (text: string) => bot.send("#general", text),
    /** Resolves with the first message from index `after` on matching `pattern`. */
    hear(pattern: RegExp, after = 0): Promise<string> {
      const seen = heard.slice(after).find((b) => pattern.test(b));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pattern, after, resolve }));
    },
    connected: () =>
      new Promise<void>((resolve) => {
        if (bot.status?.type === "connected") return resolve();
        bot.on("status", ({ status }) => {
          if (status.type === "connected") resolve();
        });
      }),
  };
}

test("a form in progress survives SIGKILL of scalar run; each answer counts once", async () => {
  const config = join(dir, "bots.yaml");
  writeFileSync(
    config,
    `server: { host: ${server.host}, port: ${server.port} }
bots:
  - id: desk@localhost
    topics: ["#general"]
    state: ./state
    reconnect: { initial: 0.02, max: 0.2 }
    plugins:
      - use: ${join(ROOT, "bots/signup.ts")}
`,
  );
  const alice = user("alice@localhost");
  await alice.connected();
  let run = spawnCli(["run", config]);
  await alice.hear(/^\(joined\)$/);
  await alice.say("!signup");
  await alice.hear(/^What's your name\?/);
  const [named] = await alice.say("Alice");
  await alice.hear(/^Thanks, Alice\. Your favourite colour\?/);
  // The name is saved with its cursor (the line above comes before that checkpoint).
  await whenCursors(join(dir, "state"), ["#general@localhost"], named!.seq);
  // Killed right after the server took the answer: handled or not, it counts once.
  await alice.say("purple");
  run.proc.kill("SIGKILL");
  await run.proc.exited;

  run = spawnCli(["run", config]);
  cleanup.push(async () => {
    run.proc.kill();
    await run.proc.exited;
  });
  await run.waitFor(/desk@localhost: connected/);
  await alice.hear(/^I don't know purple\.$/);
  // Asked again after it (twice over, if the killed process had answered it too).
  await alice.hear(
    /^Thanks, Alice\. Your favourite colour\?/,
    alice.heard.indexOf("I don't know purple.") + 1,
  );
  await alice.say("blue");
  await alice.hear(/^Alice likes/);
  await alice.say("!profile alice");
  await alice.hear(/^alice is/);
  run.proc.kill("SIGTERM");
  expect(await run.proc.exited).toBe(0);
  expect(alice.heard.filter((b) => /^\S+ likes /.test(b))).toEqual(["Alice likes blue"]);
  expect(alice.heard.at(-1)).toBe("alice is Alice, who likes blue");
  expect(run.lines.join("\n")).not.toMatch(/error/i);
  // Two process starts on a shared machine: a bound for slow starts, not a timing.
}, 20_000);
