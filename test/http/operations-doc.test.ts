/**
 * docs/operations.md cannot rot: its configurations validate, its metrics
 * table is what /metrics exposes, the defaults it names are there (and the
 * ones it says are left out are not), and its plugin example passes its
 * own test, run here as written.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { Metrics } from "../../src/http/metrics.ts";
import { parseExposition } from "./prom-text.ts";

const root = join(import.meta.dir, "../..");
const doc = readFileSync(join(root, "docs/operations.md"), "utf8");
const blocks = (lang: string) =>
  [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);

test("every configuration in it validates", () => {
  const yaml = blocks("yaml");
  expect(yaml.length).toBeGreaterThanOrEqual(1);
  for (const [i, block] of yaml.entries()) {
    const config = parseConfig(block, `docs/operations.md example ${i + 1}`, {
      GITHUB_WEBHOOK_SECRET: "secret",
    });
    expect(config.http?.port).toBe(9464);
  }
});

test("the metrics table is what /metrics exposes", async () => {
  const table = [...doc.matchAll(/^\| `(scalarbot_[a-z_]+)` \| (\w+) \|/gm)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
  const exposed = parseExposition(await new Metrics().text()).types;
  const ours = [...exposed].filter(([name]) => name.startsWith("scalarbot_"));
  expect(table.sort()).toEqual(ours.sort());
});

test("the process defaults it names are there, the ones it leaves out are not", async () => {
  const exposed = parseExposition(await new Metrics().text()).types;
  const [kept, left] = doc.split("The\ndefaults that say nothing true under Bun are left out");
  const names = (text: string) =>
    [...text!.matchAll(/`((?:process|nodejs)_[a-z0-9_]+)`/g)].map((m) => m[1]!);
  const named = names(kept!.slice(kept!.indexOf("prom-client's process defaults")));
  expect(named.length).toBeGreaterThan(8);
  for (const name of named) expect([name, exposed.has(name)]).toEqual([name, true]);
  for (const name of names(left!.slice(0, left!.indexOf("Some rules")))) {
    expect([name, exposed.has(name)]).toEqual([name, false]);
  }
  for (const gone of ["nodejs_gc_duration_seconds", "nodejs_active_handles_total"]) {
    expect(exposed.has(gone)).toBe(false);
  }
});

// The plugin example and its test, written into the project (so their
// `scalarbot/...` imports resolve to this package) and the test loaded here.
const [plugin, pluginTest] = blocks("ts");
const dir = join(import.meta.dir, "../.tmp-operations-doc");
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "deploy-hook.ts"), plugin!);
writeFileSync(
  join(dir, "deploy-hook.example.ts"),
  pluginTest!.replace('"./bots/deploy-hook.ts"', JSON.stringify(join(dir, "deploy-hook.ts"))),
);
await import(join(dir, "deploy-hook.example.ts"));
