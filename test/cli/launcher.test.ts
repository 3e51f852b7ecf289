/**
 * bin/scalar.js, the `scalar` that npm installs: it runs the CLI on the
 * Bun of the package, passes its status on, and without a Bun says what to
 * install.
 */
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAUNCHER, ROOT, scalar } from "./project.ts";

const NODE = Bun.which("node");
const dir = mkdtempSync(join(tmpdir(), "scalar-launcher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("runs the CLI on the package's Bun and passes its status on", async () => {
  const version = await scalar(["--version"], dir);
  expect(version).toMatchObject({ status: 0, stdout: "0.1.0\n" });
  const usage = await scalar(["run"], dir);
  expect(usage.status).toBe(2);
  expect(usage.stderr).toContain("missing required argument 'config'");
});

test("without a Bun it says what to install, and exits 127", async () => {
  // A package folder with the launcher and package.json but no node_modules, and no bun on PATH.
  mkdirSync(join(dir, "pkg/bin"), { recursive: true });
  copyFileSync(LAUNCHER, join(dir, "pkg/bin/scalar.js"));
  copyFileSync(join(ROOT, "package.json"), join(dir, "pkg/package.json"));
  const proc = Bun.spawn([NODE!, join(dir, "pkg/bin/scalar.js"), "--version"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: join(dir, "no-such-folder") },
  });
  const [stderr, status] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  expect(status).toBe(127);
  expect(stderr).toContain("scalar: cannot find Bun 1.4.5, which scalarbot runs on.");
  expect(stderr).toContain("Install them with: npm install bun@1.4.5");
});
