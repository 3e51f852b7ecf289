/**
 * The built-in plugins as a bot of a configuration runs them
 * (plugins/builtin-modules.ts) load without zod, whose schemas stay with
 * the configuration's check (plugins/builtins.ts); the help every bot with
 * a command gets takes the defaults its schema gives.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { HELP_DEFAULTS } from "../../src/bot/help.ts";
import { BUILTIN_MODULES } from "../../src/plugins/builtin-modules.ts";
import { BUILTIN_PLUGINS } from "../../src/plugins/builtins.ts";
import { helpOptions } from "../../src/plugins/help-options.ts";

const root = join(import.meta.dir, "../..");

test("every built-in's module loads in a fresh process without a package", async () => {
  const script = `
    import { BUILTIN_MODULES } from "./src/plugins/builtin-modules.ts";
    for (const load of Object.values(BUILTIN_MODULES)) await load();
    const packages = Object.keys(require.cache)
      .filter((f) => f.includes("/node_modules/"))
      .map((f) => f.split("/node_modules/")[1].split("/")[0]);
    console.log(JSON.stringify([...new Set(packages)]));
  `;
  const proc = Bun.spawn([process.execPath, "-e", script], { cwd: root, stdout: "pipe" });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  expect(JSON.parse(out)).toEqual([]);
});

test("the modules and the schemas name the same built-ins", () => {
  expect(Object.keys(BUILTIN_MODULES)).toEqual(Object.keys(BUILTIN_PLUGINS));
});

test("the implicit help's defaults are its schema's", () => {
  expect(helpOptions.parse({})).toEqual({ ...HELP_DEFAULTS });
});
