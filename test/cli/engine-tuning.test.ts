/**
 * On a single core `scalar run` restarts itself with the engine settings
 * that keep JavaScriptCore's background threads from taking turns with the
 * event loop, as `scalar server` does: same PID, bots running after it.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { SINGLE_CORE_ENGINE } from "../../src/server/engine.ts";
import { folderWith } from "../config/helpers.ts";
import { type Spawned, spawnCli } from "./processes.ts";

const running: Spawned[] = [];
afterAll(async () => {
  for (const spawned of running) {
    spawned.proc.kill();
    await spawned.proc.exited;
  }
});

const taskset = Bun.which("taskset");
const config = `server: { embedded: { port: 0 } }
bots:
  - id: hello@localhost
    state: ./state
    topics: ["#general"]
    plugins: [{ use: echo }]
`;

test.skipIf(process.platform !== "linux" || taskset === null)(
  "run on one core: the same process runs the bots with the engine settings, unless told not to",
  async () => {
    const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    for (const [extra, tuned] of [
      [[], true],
      [["--no-engine-tuning"], false],
    ] as const) {
      const dir = folderWith({ "bots.yaml": config });
      const run = spawnCli(
        ["run", "bots.yaml", ...extra],
        {},
        {
          cwd: dir,
          prefix: [taskset!, "-c", "0"],
        },
      );
      running.push(run);
      await run.waitFor(/hello@localhost: connected to /);
      const environ = environOf(run.proc.pid);
      for (const [name, value] of Object.entries(SINGLE_CORE_ENGINE)) {
        expect(environ.includes(`${name}=${value}`)).toBe(tuned);
      }
      run.proc.kill("SIGTERM");
      expect(await run.proc.exited).toBe(0);
    }
  },
);
