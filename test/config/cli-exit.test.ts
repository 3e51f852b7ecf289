/**
 * Through the CLI: a refused configuration prints every problem on stderr,
 * one a line, and exits 2; warnings do not stop a valid file.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { folderWith } from "./helpers.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

async function validate(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, CLI, "validate", file], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

test("scalar validate: duplicate bot ids and an unknown key, both listed, exit 2", async () => {
  const dir = folderWith({
    "bots.yaml": `server: { embedded: { port: 0 } }
bots:
  - id: hello
    state: ./data/hello
  - id: hello@localhost
    stat: ./data/other
`,
  });
  const file = join(dir, "bots.yaml");
  const run = await validate(file);
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split("\n")).toEqual([
    `${file}:5: bots[1].state: missing: expected a folder path`,
    `${file}:5: bots[1].id: duplicate bot id hello@localhost (also bots[0].id, line 3); each bot needs its own`,
    `${file}:6: bots[1].stat: unknown key "stat"; did you mean "state"?`,
  ]);
});

test("scalar validate: a valid file with a warning is ok, exit 0", async () => {
  const topics = Array.from({ length: 101 }, (_, i) => `"#t${i}"`).join(", ");
  const dir = folderWith({
    "bots.yaml": `bots:\n  - id: logbot@localhost\n    state: ./data\n    topics: [${topics}]\n`,
  });
  const run = await validate(join(dir, "bots.yaml"));
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(": ok (1 bot: logbot@localhost)");
});
