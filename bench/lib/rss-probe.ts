/**
 * Starts N idle bots (no plugins) against a server and prints this
 * process's resident memory once all are connected:
 *   bun bench/lib/rss-probe.ts HOST PORT N STATE_DIR
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Runner } from "../../src/cli/runner.ts";
import { loadConfig } from "../../src/config/load.ts";

const [host, port, count, stateDir] = process.argv.slice(2);
const n = Number(count);
mkdirSync(stateDir!, { recursive: true });
const bots = Array.from(
  { length: n },
  (_, i) => `  - id: idle${i}@localhost\n    topics: ["#idle"]\n    state: ./state/idle${i}\n`,
).join("");
const file = join(stateDir!, `rss-${n}.yaml`);
writeFileSync(file, `server: { host: ${host}, port: ${port} }\nbots:\n${bots}`);

const runner = await Runner.prepare(loadConfig(file), { write: () => {} });
let connected = 0;
const all = new Promise<void>((resolve) => {
  const check = setInterval(() => {
    connected = runner.botList.filter((b) => b.status?.type === "connected").length;
    if (connected === n) {
      clearInterval(check);
      resolve();
    }
  }, 20);
});
await runner.start();
await all;
Bun.gc(true);
await Bun.sleep(500);
Bun.gc(true);
const rss = process.memoryUsage().rss / 2 ** 20;
process.stdout.write(
  `${JSON.stringify({ bots: n, connected, rssMb: Math.round(rss * 10) / 10 })}\n`,
);
await runner.stop();
process.exit(0);
