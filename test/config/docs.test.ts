import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { loadConfiguredPlugin } from "../../src/config/plugins.ts";
import { isBuiltin } from "../../src/plugins/builtins.ts";

const root = join(import.meta.dir, "../..");
const doc = readFileSync(join(root, "docs/config.md"), "utf8");
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

test("docs/config.md has yaml examples", () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
});

for (const [i, block] of blocks.entries()) {
  test(`docs/config.md yaml example ${i + 1} validates, its plugins load`, async () => {
    const where = `docs/config.md example ${i + 1}`;
    const config = parseConfig(block, where, {});
    // As `scalar validate` does, with paths relative to the repository root.
    for (const [b, bot] of config.bots.entries()) {
      for (const [p, entry] of bot.plugins.entries()) {
        const use =
          isBuiltin(entry.use) || isAbsolute(entry.use) ? entry.use : resolve(root, entry.use);
        await loadConfiguredPlugin({ ...entry, use }, `${where}: bots[${b}].plugins[${p}]`);
      }
    }
  });
}
