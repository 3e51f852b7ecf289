/**
 * docs/config.md's "Errors" section shows what the loader prints: each
 * invalid example (a `yaml invalid` block) is refused with exactly the
 * lines of the `text` block after it, and the codes it lists are the codes.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROBLEM_CODES, WARNING_CODES } from "../../src/config/index.ts";
import { checkConfig, formatWarning, loadConfig } from "../../src/config/load.ts";
import { loadConfiguredPlugin } from "../../src/config/plugins.ts";
import { folderWith, problems } from "./helpers.ts";

const doc = readFileSync(join(import.meta.dir, "../../docs/config.md"), "utf8");
const errors = doc.slice(doc.indexOf("## Errors"), doc.indexOf("## JSON Schema"));
const examples = [
  ...errors.matchAll(/```yaml invalid\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g),
].map((m) => ({ yaml: m[1]!, lines: m[2]!.trimEnd().split("\n") }));
/** The first column of the table that follows `heading`-like text. */
const tableCodes = (after: string) =>
  [...errors.slice(errors.indexOf(after)).matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);

describe("docs/config.md: errors", () => {
  test("shows at least the six kinds of example", () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  for (const [i, example] of examples.entries()) {
    test(`example ${i + 1} is refused with the lines shown`, () => {
      expect(problems(example.yaml)).toEqual(example.lines);
    });
  }

  test("the warning shown is the one 101 channels give", () => {
    const topics = Array.from({ length: 101 }, (_, i) => `"#t${i}"`).join(", ");
    const { warnings } = checkConfig(
      `bots:\n  - id: logbot@localhost\n    state: ./data\n    topics: [${topics}]\n`,
      "bots.yaml",
      {},
    );
    const shown = errors.match(/^bots\.yaml:\d+: [^\n]*: warning: [^\n]*$/m)?.[0];
    expect(warnings.map(formatWarning)).toEqual([shown!]);
  });

  test("the module plugin message shown is the loader's", async () => {
    const zod = JSON.stringify(Bun.resolveSync("zod", import.meta.dir));
    const dir = folderWith({
      "bots/greeter.ts": `import { z } from ${zod};
export const options = z.object({ word: z.string({ error: "expected a greeting word" }) });
export function setup() {}
`,
      "bots.yaml": `bots:
  - id: greeter@localhost
    state: ./data
    plugins:
      - use: ./bots/greeter.ts
        with:
          word: 7
`,
    });
    const loaded = loadConfig(join(dir, "bots.yaml"), {});
    const error = await loadConfiguredPlugin(
      loaded.config.bots[0]!.plugins[0]!,
      "bots[0].plugins[0]",
    ).catch((e: Error) => e);
    const shown = errors
      .replace(/\s+/g, " ")
      .match(/`(bots\.yaml:7: bots\[0\]\.plugins\[0\]\.with\.word: [^`]*)`/)?.[1];
    expect((error as Error).message.replace(join(dir, "bots.yaml"), "bots.yaml")).toBe(shown!);
  });

  test("the tables list every problem and warning code", () => {
    expect(tableCodes("| code | meaning |").sort()).toEqual([...PROBLEM_CODES].sort());
    expect(tableCodes("| code | when |").slice(0, WARNING_CODES.length).sort()).toEqual(
      [...WARNING_CODES].sort(),
    );
  });
});
