/**
 * docs/plugins.md cannot rot: each `ts` block is a plugin module, loaded
 * like a configured plugin and fed the conversation of the `text` block
 * after it; each `yaml` block is a configuration that must validate.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { loadConfiguredPlugin } from "../../src/config/plugins.ts";
import { liveBot } from "../bot/plugin-helpers.ts";

const root = join(import.meta.dir, "../..");
const doc = readFileSync(join(root, "docs/plugins.md"), "utf8");
const blocks = [...doc.matchAll(/```(ts|text|yaml)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1]!,
  body: m[2]!,
}));
const dir = join(import.meta.dir, ".doc-examples");
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("docs/plugins.md has plugin examples with conversations", () => {
  expect(blocks.filter((b) => b.lang === "ts").length).toBeGreaterThanOrEqual(3);
});

for (const [i, block] of blocks.entries()) {
  if (block.lang === "yaml") {
    test(`docs/plugins.md yaml example ${i} validates`, () => {
      expect(() => parseConfig(block.body, `docs/plugins.md example ${i}`, {})).not.toThrow();
    });
  }
  if (block.lang !== "ts") continue;
  const conversation = blocks[i + 1]?.lang === "text" ? blocks[i + 1]!.body : "";
  test(`docs/plugins.md ts example ${i} runs its conversation`, async () => {
    const file = join(dir, `example-${i}.ts`);
    // Inside the project, so the examples' `scalarbot/...` imports resolve to this package.
    writeFileSync(file, block.body);
    const loaded = await loadConfiguredPlugin({ use: file }, "example");
    const live = await liveBot([[loaded.plugin, loaded.options]]);
    try {
      const lines = conversation.trim().split("\n").filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      let expected: string[] = [];
      let said: string | undefined;
      const check = async () => {
        if (said !== undefined) expect(await live.say(said)).toEqual(expected);
        expected = [];
      };
      for (const line of lines) {
        const [who, ...rest] = line.split(": ");
        const text = rest.join(": ");
        if (who === "alice") {
          await check();
          said = text;
        } else expected.push(text);
      }
      await check();
      expect(live.errors).toEqual([]);
    } finally {
      await live.stop();
    }
  });
}
