#!/usr/bin/env node
/**
 * The `scalar` command as npm installs it: scalarbot runs on Bun, and Bun
 * comes with it (the `bun` package, a dependency). This launcher, run by
 * Node, finds that Bun and runs src/cli.ts with it; without one it says
 * what to install and exits with status 127.
 *
 * Signals: SIGTERM and SIGHUP are passed on to Bun. SIGINT is passed on
 * only when stdin is not a terminal: a Ctrl-C in a terminal already reaches
 * Bun (the whole foreground process group gets it), and a second SIGINT
 * would stop it at once instead of gracefully.
 *
 * Under an npm script (`npm start`), npm passes SIGTERM to the script's
 * shell only, and a shell that did not exec us dies without passing it on:
 * a parent that goes away before any signal reached us counts as SIGTERM.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "src", "cli.ts");
const wanted = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies.bun;

/** A real Bun binary is tens of MB; npm's placeholder before the postinstall is not. */
function isBinary(path) {
  try {
    const stat = statSync(path);
    return stat.isFile() && stat.size > 1_000_000;
  } catch {
    return false;
  }
}

function packageBinary(name, file) {
  try {
    const require = createRequire(join(root, "package.json"));
    const path = join(dirname(require.resolve(`${name}/package.json`)), "bin", file);
    return isBinary(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The npm package that holds Bun's binary for this machine. */
function platform() {
  return `@oven/bun-${process.platform}-${process.arch === "arm64" ? "aarch64" : process.arch}`;
}

function findBun() {
  // Already running under Bun (`bunx scalar`, `bun run --bun`): use it.
  if (process.versions.bun !== undefined) return process.execPath;
  const exe = process.platform === "win32" ? "bun.exe" : "bun";
  const found =
    packageBinary("bun", "bun.exe") ??
    // Installed with --ignore-scripts: the platform package's own binary.
    packageBinary(platform(), exe) ??
    packageBinary(`${platform()}-musl`, exe);
  if (found !== undefined) return found;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, exe)) && isBinary(join(dir, exe))) return join(dir, exe);
  }
  return undefined;
}

const bun = findBun();
if (bun === undefined) {
  process.stderr.write(
    `scalar: cannot find Bun ${wanted}, which scalarbot runs on. It comes with scalarbot as\n` +
      `the npm package "bun" and its platform package (${platform()}).\n` +
      `Install them with: npm install bun@${wanted}  (not with --ignore-scripts or --omit=optional)\n` +
      "or install Bun itself (https://bun.sh) so that `bun` is on PATH.\n",
  );
  process.exit(127);
}

const child = spawn(bun, [cli, ...process.argv.slice(2)], { stdio: "inherit" });
let signalled = false;
const forward = (signal) => {
  signalled = true;
  if (signal === "SIGINT" && process.stdin.isTTY) return;
  child.kill(signal);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);
if (process.env.npm_lifecycle_event !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    if (!signalled) forward("SIGTERM");
  }, 500);
  watch.unref();
}
child.on("error", (error) => {
  process.stderr.write(`scalar: cannot run ${bun}: ${error.message}\n`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  if (signal !== null) {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.off(s, forward);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
