/** A bun process of this repository with its stdout lines, to wait on. */
import { join } from "node:path";
import type { Subprocess } from "bun";

const ROOT = join(import.meta.dir, "../..");

export interface Waiting {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  lines: string[];
  /** Resolves with the first line (past or future) that `ok` accepts. */
  waitFor(ok: (line: string) => boolean): Promise<string>;
}

export function spawnWaiting(args: string[], env: Record<string, string> = {}): Waiting {
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters: {
    ok: (line: string) => boolean;
    resolve: (line: string) => void;
    reject: (e: Error) => void;
  }[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.push(line);
        for (const w of [...waiters]) {
          if (!w.ok(line)) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
    const stderr = await new Response(proc.stderr).text();
    for (const w of waiters.splice(0)) {
      w.reject(new Error(`${args.join(" ")} ended first:\n${lines.join("\n")}\n${stderr}`));
    }
  })();
  return {
    proc,
    lines,
    waitFor(ok) {
      const seen = lines.find(ok);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => waiters.push({ ok, resolve, reject }));
    },
  };
}
