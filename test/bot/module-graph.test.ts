/**
 * What a reload relies on from Bun's module cache, checked on the Bun in
 * use (src/bot/module-graph.ts): the same file imported again is the same
 * module, a query on a file URL does not change that, and a file taken out
 * of `require.cache` is evaluated again — its own imports too, once they
 * are taken out. And the graph a reload watches: the project's files only.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { forgetModules, moduleGraph, staleFiles } from "../../src/bot/module-graph.ts";

// Inside the repository, so `zod` resolves to its package as a project's import would.
const root = join(import.meta.dir, ".module-graph");
mkdirSync(root, { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "p-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function project() {
  const dir = folderWith({
    "plugin.ts": `import { word } from "./lib/word.ts";\nimport { z } from "zod";\nimport { definePlugin } from "${join(import.meta.dir, "../../src/bot/index.ts")}";\nexport const seen = { word, z: typeof z, define: typeof definePlugin };\n`,
    "lib/word.ts": `import { n } from "./n.ts";\nexport const word = "one" + n;\n`,
    "lib/n.ts": "export const n = 1;\n",
    "lib/unused.ts": "export const x = 1;\n",
  });
  return {
    dir,
    plugin: join(dir, "plugin.ts"),
    word: join(dir, "lib/word.ts"),
    n: join(dir, "lib/n.ts"),
  };
}

test("Bun keeps a module per file; forgetting the files evaluates them again", async () => {
  const { plugin, word, n } = project();
  const url = pathToFileURL(plugin).href;
  const first = await import(url);
  expect(first.seen.word).toBe("one1");
  expect(await import(url)).toBe(first);
  writeFileSync(word, `import { n } from "./n.ts";\nexport const word = "two" + n;\n`);
  // A query on a file URL names the same module: no fresh copy.
  expect(await import(`${url}?v=2`)).toBe(first);
  // The plugin's file alone forgotten: its import stays the cached copy.
  forgetModules([plugin]);
  const second = await import(url);
  expect(second).not.toBe(first);
  expect(second.seen.word).toBe("one1");
  // With the files that import the changed one: the change shows.
  forgetModules(staleFiles(plugin, new Set([word])));
  expect((await import(url)).seen.word).toBe("two1");
  writeFileSync(n, "export const n = 2;\n");
  forgetModules(staleFiles(plugin, new Set([n])));
  expect((await import(url)).seen.word).toBe("two2");
});

test("the graph is the project's files: no packages, no scalarbot; the stale ones import a change", () => {
  const { dir, plugin, word, n } = project();
  expect(moduleGraph(plugin)).toEqual([plugin, word, n]);
  expect(staleFiles(plugin, new Set([n])).sort()).toEqual([plugin, word, n].sort());
  expect(staleFiles(plugin, new Set([word])).sort()).toEqual([plugin, word].sort());
  expect(staleFiles(plugin, new Set([join(dir, "lib/unused.ts")]))).toEqual([]);
  // A file that does not parse is listed, its imports not; a missing import is left out.
  mkdirSync(join(dir, "broken"));
  writeFileSync(join(dir, "broken/p.ts"), `import "./gone.ts";\nexport const = ;\n`);
  expect(moduleGraph(join(dir, "broken/p.ts"))).toEqual([join(dir, "broken/p.ts")]);
  writeFileSync(join(dir, "broken/q.ts"), `import "./gone.ts";\nimport "../lib/n.ts";\n`);
  expect(moduleGraph(join(dir, "broken/q.ts"))).toEqual([join(dir, "broken/q.ts"), n]);
});
