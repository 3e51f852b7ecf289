import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";

const doc = readFileSync(join(import.meta.dir, "../../docs/config.md"), "utf8");
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

test("docs/config.md has yaml examples", () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
});

for (const [i, block] of blocks.entries()) {
  test(`docs/config.md yaml example ${i + 1} validates`, () => {
    expect(() => parseConfig(block, `docs/config.md example ${i + 1}`, {})).not.toThrow();
  });
}
