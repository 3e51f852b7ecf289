/**
 * A `scalar server` in a child process on 127.0.0.1, for the hostile-load
 * probes: started on a free port from a checkout (this one, or another's
 * with --server-cwd), its resident memory sampled from /proc every 100 ms
 * (Linux only) and its peak read from VmHWM.
 */
import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";

export interface SpawnedServer {
  port: number;
  /** Resident memory now, in bytes. */
  rss(): number;
  /** The highest resident memory so far (VmHWM), in bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

/** Starts `bun src/cli.ts server --port 0 --domain localhost ...extra` in `cwd`. */
export async function spawnServer(cwd: string, extra: string[] = []): Promise<SpawnedServer> {
  const proc: Subprocess<"ignore", "pipe", "ignore"> = Bun.spawn(
    [process.execPath, "src/cli.ts", "server", "--port", "0", "--domain", "localhost", ...extra],
    { cwd, stdout: "pipe", stderr: "ignore" },
  );
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the server exited before listening");
    text += new TextDecoder().decode(value);
  }
  const port = Number(/listening on [^:]+:(\d+)/.exec(text)![1]);
  let peak = 0;
  let now = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024);
      now = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // Exited: keep the last figures.
    }
  };
  const timer = setInterval(sample, 100);
  return {
    port,
    rss: () => {
      sample();
      return now;
    },
    peakRss: () => {
      sample();
      return peak;
    },
    async stop() {
      clearInterval(timer);
      sample();
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}
