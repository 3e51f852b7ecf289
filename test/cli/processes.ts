/**
 * Helpers for black-box tests: spawn `bun src/cli.ts …`, wait for a line,
 * read what the logger wrote.
 */
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync, watch } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import type { ReconnectOptions } from "../../src/client/index.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import { record } from "../bot/helpers.ts";

const ROOT = join(import.meta.dir, "../..");
const CLI = join(ROOT, "src/cli.ts");

export interface Spawned {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** stdout so far, a line each. */
  lines: string[];
  /** stderr so far, a line each. */
  errLines: string[];
  /** Resolves with the first stdout line (past or future) matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
  /** The same on stderr. */
  waitForErr(pattern: RegExp): Promise<string>;
  /** All of stderr, once the process closed it. */
  stderr(): Promise<string>;
}

/** Lines of a stream as they come, with waiters for a line matching a pattern. */
function lineReader(stream: ReadableStream<Uint8Array>, name: string) {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let ended = false;
  const endWaiters: (() => void)[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    const take = (line: string) => {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    };
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        take(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
    }
    if (pending !== "") take(pending);
    ended = true;
    for (const end of endWaiters) end();
  })();
  const waitFor = (pattern: RegExp): Promise<string> => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve });
      const onEnd = () =>
        reject(
          new Error(`process ended before printing ${pattern} on ${name}:\n${lines.join("\n")}`),
        );
      if (ended) onEnd();
      else endWaiters.push(onEnd);
    });
  };
  return { lines, waitFor, done };
}

export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
  /** `prefix`: a command that runs the CLI (`taskset -c 0`). */
  options: { cwd?: string; prefix?: readonly string[] } = {},
): Spawned {
  const proc = Bun.spawn([...(options.prefix ?? []), process.execPath, CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const out = lineReader(proc.stdout, "stdout");
  const err = lineReader(proc.stderr, "stderr");
  return {
    proc,
    lines: out.lines,
    errLines: err.lines,
    waitFor: out.waitFor,
    waitForErr: err.waitFor,
    stderr: async () => {
      await err.done;
      return err.lines.map((l) => `${l}\n`).join("");
    },
  };
}

/** Runs the CLI to its end: exit status, stdout and stderr. */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const spawned = spawnCli(args, options.env ?? {}, options);
  const [stderr, code] = await Promise.all([spawned.stderr(), spawned.proc.exited]);
  // The end of stdout: a pattern nothing matches rejects once it closed.
  await spawned.waitFor(/(?!)/).catch(() => {});
  return { code, stdout: spawned.lines.map((l) => `${l}\n`).join(""), stderr };
}

/** Starts `scalar server --port 0 …` and resolves with its address. */
export async function startServerProcess(
  extra: string[] = [],
): Promise<{ spawned: Spawned; host: string; port: number }> {
  const spawned = spawnCli(["server", "--port", "0", ...extra]);
  const line = await spawned.waitFor(/^listening on /);
  const [, host, port] = /^listening on (.+):(\d+)$/.exec(line)!;
  return { spawned, host: host!, port: Number(port) };
}

export interface LoggedLine {
  topic: string;
  seq?: number;
  gap?: { from: number; to: number };
  body?: string;
  kind?: string;
  from?: string;
}

/** Every line the logger wrote for a topic, in file order. */
export function readLog(dir: string, folder: string): LoggedLine[] {
  const path = join(dir, folder);
  if (!existsSync(path)) return [];
  return readdirSync(path)
    .sort()
    .flatMap((name) =>
      readFileSync(join(path, name), "utf8")
        .split("\n")
        // Complete lines only: after a SIGKILL the last one may be torn
        // until the restarted logger cuts it off.
        .slice(0, -1)
        .map((l) => JSON.parse(l) as LoggedLine),
    );
}

/**
 * Resolves once `check()` holds, re-checking whenever a file under `dir`
 * changes (and on a slow fallback tick, as file-watch events can coalesce).
 */
export function whenFiles(dir: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const watcher = watch(dir, { recursive: true }, () => test());
    const tick = setInterval(() => test(), 100);
    const deadline = setTimeout(() => {
      finish();
      reject(new Error(`condition on ${dir} not met within ${timeoutMs} ms`));
    }, timeoutMs);
    function finish() {
      watcher.close();
      clearInterval(tick);
      clearTimeout(deadline);
    }
    function test() {
      if (check()) {
        finish();
        resolve();
      }
    }
  });
}

/**
 * Resolves once a bot's saved cursors (`<state>/state.sqlite`) have every
 * one of `topics`: a line in the log comes before its checkpoint saves the
 * cursor (after the fsync and the index), so a kill right after the line
 * shows can still find no cursor saved.
 */
export function whenCursors(
  state: string,
  topics: readonly string[],
  /** …at this seq or past it (default: any). */
  atLeast = 0,
): Promise<void> {
  const saved = () => {
    if (!existsSync(join(state, "state.sqlite"))) return false;
    const db = new Database(join(state, "state.sqlite"), { readonly: true });
    try {
      const rows = db.query("SELECT topic, seq FROM cursors").all() as {
        topic: string;
        seq: number;
      }[];
      return topics.every((t) => rows.some((r) => r.topic === t && r.seq >= atLeast));
    } catch {
      return false; // not made yet
    } finally {
      db.close();
    }
  };
  return whenFiles(state, saved);
}

/**
 * A user (or publisher) on its own connection to a server under test: a
 * started `Bot` with cursors in memory, everything it sees recorded;
 * `cleanup` gets its stop.
 */
export function startUser(
  at: { host: string; port: number },
  id: string,
  topics: string[],
  cleanup: (() => unknown)[],
  reconnect?: Partial<ReconnectOptions>,
) {
  const bot = new Bot({
    id,
    topics,
    dialer: tcpDialer(at.host, at.port),
    cursors: new MemoryCursorStore(),
    ...(reconnect === undefined ? {} : { reconnect }),
  });
  cleanup.push(() => bot.stop());
  const seen = record(bot);
  bot.start();
  return { bot, seen };
}
