/**
 * Helpers for tests of a generated bot project: run `scalar` through the
 * package's own launcher (bin/scalar.js, on Node) in any folder, and make
 * a project's `node_modules/scalarbot` this checkout, as npm does for a
 * `file:` dependency on a folder.
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = join(import.meta.dir, "../..");
export const LAUNCHER = join(ROOT, "bin/scalar.js");

export interface Finished {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `scalar ARGS` to its end through the launcher. */
export async function scalar(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Finished> {
  const proc = Bun.spawn(["node", LAUNCHER, ...args], {
    cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const [stdout, stderr, status] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { status, stdout, stderr };
}

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything printed so far, stdout and stderr in arrival order per stream. */
  output(): string;
  /** Resolves with the first line matching `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<string>;
}

/** Starts `scalar ARGS` through the launcher and follows its output lines. */
export function startScalar(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Running {
  const proc = Bun.spawn(["node", LAUNCHER, ...args], {
    cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let ended = false;
  const onEnd: (() => void)[] = [];
  const follow = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.push(line);
        for (const w of waiters.filter((w) => w.pattern.test(line))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  Promise.all([follow(proc.stdout), follow(proc.stderr)]).then(() => {
    ended = true;
    for (const end of onEnd.splice(0)) end();
  });
  return {
    proc,
    output: () => lines.join("\n"),
    waitFor(pattern) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        const end = () =>
          reject(new Error(`scalar ended before printing ${pattern}:\n${lines.join("\n")}`));
        if (ended) end();
        else onEnd.push(end);
      });
    },
  };
}

/** `node_modules/scalarbot` of a project → this checkout (what `npm install` of a folder does). */
export function linkScalarbot(project: string): void {
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(project, "node_modules/scalarbot"), "dir");
}
