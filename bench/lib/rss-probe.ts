/**
 * The resident memory of N idle bots (no plugins) as users run them:
 * `scalar run` of a configuration of N bots, spawned, its VmRSS read from
 * /proc (the median of 5 samples in the 5th second after the last bot
 * connected, as the bot yardstick reads it). Against a server at HOST:PORT,
 * or with `--embedded` the configuration's own embedded server (the
 * difference between the two is that server's share):
 *
 *   bun bench/lib/rss-probe.ts HOST PORT N STATE_DIR [--embedded]
 *
 * Prints one JSON line: { bots, embedded, startupMs, rssMb }.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [host, port, count, stateDir, mode] = process.argv.slice(2);
const n = Number(count);
const embedded = mode === "--embedded";
const cli = join(import.meta.dir, "../../src/cli.ts");
mkdirSync(stateDir!, { recursive: true });
const name = `rss-${n}${embedded ? "-embedded" : ""}`;
const bots = Array.from(
  { length: n },
  (_, i) => `  - id: idle${i}@localhost\n    topics: ["#idle"]\n    state: ./${name}/idle${i}\n`,
).join("");
const server = embedded ? "{ embedded: { port: 0 } }" : `{ host: ${host}, port: ${port} }`;
const file = join(stateDir!, `${name}.yaml`);
writeFileSync(file, `server: ${server}\nbots:\n${bots}`);

const spawnedAt = performance.now();
const run = Bun.spawn([process.execPath, cli, "run", file], {
  stdout: "pipe",
  stderr: "inherit",
});

const log = run.stdout.getReader();

/** Reads the run's log until every bot said it is connected. */
async function allConnected(): Promise<void> {
  const decoder = new TextDecoder();
  let text = "";
  let connected = 0;
  while (connected < n) {
    const { value, done } = await log.read();
    if (done) {
      throw new Error(`scalar run exited (${await run.exited}): ${connected} of ${n} connected`);
    }
    text += decoder.decode(value, { stream: true });
    const lines = text.split("\n");
    text = lines.pop()!;
    connected += lines.filter((l) => / idle\d+@localhost: connected to /.test(l)).length;
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;
}

await allConnected();
const startupMs = performance.now() - spawnedAt;
// Its log goes on being read, so a line written later never blocks it.
void (async () => {
  while (!(await log.read()).done);
})();
await Bun.sleep(4000);
const samples: number[] = [];
for (let i = 0; i < 5; i++) {
  samples.push(rssMb(run.pid));
  await Bun.sleep(200);
}
samples.sort((a, b) => a - b);
const rss = samples[2]!;
run.kill("SIGTERM");
await run.exited;
process.stdout.write(
  `${JSON.stringify({ bots: n, embedded, startupMs: Math.round(startupMs), rssMb: Math.round(rss * 10) / 10 })}\n`,
);
