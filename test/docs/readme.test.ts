/**
 * The README's bot, its configuration and its test are run as written: the
 * blocks are copied into a folder inside the project (so `scalarbot/...`
 * imports resolve as they do for users) and the test block runs there.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = (lang: string) =>
  [...readme.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);
const dir = mkdtempSync(join(root, "test/.tmp-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the README's bot is bots/hello.ts", () => {
  expect(blocks("ts")[0]).toBe(readFileSync(join(root, "bots/hello.ts"), "utf8"));
});

test("the README's configuration and test run as written", async () => {
  const [bot, botTest] = blocks("ts");
  const [config] = blocks("yaml");
  mkdirSync(join(dir, "bots"));
  writeFileSync(join(dir, "bots/hello.ts"), bot!);
  writeFileSync(join(dir, "bots.yaml"), config!);
  writeFileSync(join(dir, "hello.test.ts"), botTest!);
  const run = Bun.spawn([process.execPath, "test", "./hello.test.ts"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  const [output, status] = await Promise.all([new Response(run.stderr).text(), run.exited]);
  expect(output).toContain("1 pass");
  expect(status).toBe(0);
}, 20_000);
