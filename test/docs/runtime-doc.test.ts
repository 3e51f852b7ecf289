/**
 * docs/runtime.md's plugin example runs as written (from a folder inside
 * the project, so its `scalarbot/plugins` import resolves as it does for
 * users) and behaves as bots/greeter.ts, which it describes.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHarness } from "../../src/testing/index.ts";

const root = join(import.meta.dir, "../..");
const doc = readFileSync(join(root, "docs/runtime.md"), "utf8");
const plugins = doc.slice(doc.indexOf("\n## Plugins\n"));
const block = plugins.match(/```ts\n([\s\S]*?)```/)?.[1];
const dir = mkdtempSync(join(root, "test/.tmp-runtime-doc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the greeter of docs/runtime.md answers as bots/greeter.ts does", async () => {
  expect(block).toBeDefined();
  const file = join(dir, "greeter.ts");
  writeFileSync(file, block!);
  await using h = await createHarness({
    bots: [
      { id: "doc", topics: ["#doc"], plugins: [[file, { greeting: "Hey" }]] },
      {
        id: "file",
        topics: ["#file"],
        plugins: [[join(root, "bots/greeter.ts"), { greeting: "Hey" }]],
      },
    ],
  });
  const alice = await h.user("alice");
  const transcripts: string[] = [];
  for (const name of ["doc", "file"]) {
    await alice.join(`#${name}`);
    await alice.expectMessage({ from: name, body: "Hey, alice! Say !hello to me." });
    await alice.say(`#${name}`, "!hello");
    await alice.expectMessage({ from: name, body: "Hello, alice!" });
    await alice.say(`#${name}`, "!help");
    await alice.expectMessage({ from: name, body: /^Commands:\n/ });
    await alice.expectNoMessage();
    transcripts.push(
      alice
        .transcript()
        .split("\n")
        .filter((line) => line.startsWith(`#${name} `))
        .join("\n")
        .replaceAll(name, "BOT"),
    );
  }
  expect(transcripts[0]).toBe(transcripts[1]!);
  expect(transcripts[0]).toContain("#BOT <BOT> Hello, alice!");
  expect(h.errors).toEqual([]);
});
