/**
 * The precompiled bots' runtime (src/cli/precompiled.ts), on small source
 * trees of its own: built once per state of the sources and reused; built
 * again after an edit; a module's `import.meta.dir` and its stack traces
 * still name its TypeScript source; a failed build or a folder that
 * cannot be written is an answer with its cause, and leaves nothing half
 * built. Which configurations use it: canPrecompile.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canPrecompile, precompiledEntry } from "../../src/cli/precompiled.ts";
import type { Config } from "../../src/config/schema.ts";
import { folderWith } from "../config/helpers.ts";

/** A source tree: main.ts imports a.ts and, when asked, b.ts. */
function sources(extra: Record<string, string> = {}): { src: string; cacheDir: string } {
  const root = folderWith({
    "src/a.ts": `export const here: string = import.meta.dir;
export function fail(): never {
  throw new Error("from a");
}
`,
    "src/b.ts": `export const late = "loaded when asked";\n`,
    "src/main.ts": `export { fail, here } from "./a.ts";
export const later = () => import("./b.ts");
`,
    ...extra,
  });
  return { src: join(root, "src"), cacheDir: join(root, "cache") };
}

async function build(src: string, cacheDir: string) {
  return precompiledEntry({ src, entry: join(src, "main.ts"), cacheDir });
}

test("built once for the sources as they are, then reused; an edit builds it again", async () => {
  const { src, cacheDir } = sources();
  const first = await build(src, cacheDir);
  expect(first).toMatchObject({ ok: true, built: true });
  if (!first.ok) return;
  expect(first.path.startsWith(cacheDir)).toBe(true);
  expect(await build(src, cacheDir)).toEqual({ ok: true, path: first.path, built: false });

  writeFileSync(join(src, "b.ts"), `export const late = "edited";\n`);
  const second = await build(src, cacheDir);
  expect(second).toMatchObject({ ok: true, built: true });
  if (!second.ok) return;
  expect(second.path).not.toBe(first.path);
  const mod = await import(second.path);
  expect((await mod.later()).late).toBe("edited");
  // The older runtime stays: a process started from it may still load its chunks.
  expect(existsSync(first.path)).toBe(true);
});

test("a module keeps its own folder and its stack names its TypeScript source", async () => {
  const { src, cacheDir } = sources();
  const built = await build(src, cacheDir);
  if (!built.ok) throw new Error(built.reason);
  const mod = await import(built.path);
  expect(mod.here).toBe(src);
  let stack = "";
  try {
    mod.fail();
  } catch (error) {
    stack = (error as Error).stack ?? "";
  }
  expect(stack).toContain(`${join(src, "a.ts")}:3:`);
});

test("a source that does not build: the cause, and nothing left in the cache", async () => {
  const { src, cacheDir } = sources({ "src/a.ts": "export const broken = ;\n" });
  const built = await build(src, cacheDir);
  expect(built.ok).toBe(false);
  if (built.ok) return;
  expect(built.reason).toContain("Unexpected");
  expect(readdirSync(cacheDir)).toEqual([]);
});

test("a cache folder that cannot be made: the cause", async () => {
  const { src, cacheDir } = sources();
  writeFileSync(cacheDir, "a file where the folder would be\n");
  const built = await build(src, cacheDir);
  expect(built.ok).toBe(false);
  if (built.ok) return;
  expect(built.reason).toMatch(/EEXIST|ENOTDIR|not a directory|exists/i);
});

test("the cache keeps the five newest runtimes", async () => {
  const { src, cacheDir } = sources();
  for (let i = 0; i < 7; i++) {
    writeFileSync(join(src, "b.ts"), `export const late = "${"x".repeat(i)}";\n`);
    const built = await build(src, cacheDir);
    expect(built).toMatchObject({ ok: true, built: true });
  }
  expect(readdirSync(cacheDir).length).toBe(5);
});

test("precompiled: bots whose plugins are all built in, none of them reload", () => {
  const config = (...uses: string[]) =>
    ({ bots: [{ id: "a@localhost", plugins: uses.map((use) => ({ use })) }] }) as unknown as Config;
  expect(canPrecompile(config())).toBe(true);
  expect(canPrecompile(config("echo", "logger", "responders", "scheduler", "help"))).toBe(true);
  expect(canPrecompile(config("echo", "./mine.ts"))).toBe(false);
  expect(canPrecompile(config("echo", "reload"))).toBe(false);
});
