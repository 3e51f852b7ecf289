import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Runner } from "../../src/cli/runner.ts";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger, startServer } from "../../src/server/index.ts";

test("an embedded server whose port is taken is one clear error", async () => {
  const other = await startServer({ port: 0, log: silentLogger });
  const dir = mkdtempSync(join(tmpdir(), "scalar-runner-"));
  try {
    const file = join(dir, "bots.yaml");
    writeFileSync(
      file,
      `server: { embedded: { port: ${other.port} } }
bots:
  - id: a@localhost
    topics: ["#general"]
    state: ./state
`,
    );
    const runner = await Runner.prepare(loadConfig(file), { write: () => {} });
    await expect(runner.start()).rejects.toThrow(
      `the embedded server cannot listen on 127.0.0.1:${other.port}: the port is in use (EADDRINUSE): stop the other server or choose another port (server.embedded.port)`,
    );
    await runner.stop();
  } finally {
    await other.stop();
  }
});
