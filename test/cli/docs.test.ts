/**
 * docs/cli.md's "What failures look like" shows what the CLI prints: its
 * example folder (the `yaml FILE` and `ts FILE` blocks) is written out and
 * `scalar validate` and `scalar run` are run in it.
 */
import { expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { folderWith } from "../config/helpers.ts";
import { runCli } from "./processes.ts";

const doc = await Bun.file(join(import.meta.dir, "../../docs/cli.md")).text();
const section = doc.slice(
  doc.indexOf("## What failures look like"),
  doc.indexOf("## `scalar server`"),
);
const files = Object.fromEntries(
  [...section.matchAll(/```(?:yaml|ts) (\S+)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]),
);
const shown = [...section.matchAll(/```text\n\$ scalar validate bots\.yaml\n([\s\S]*?)```/g)];

test("the example folder has a configuration and its plugins", () => {
  expect(Object.keys(files)).toContain("bots.yaml");
  expect(Object.keys(files).length).toBeGreaterThanOrEqual(5);
  expect(shown).toHaveLength(1);
});

test("scalar validate prints the lines shown, exit 2", async () => {
  const dir = folderWith(files);
  const run = await runCli(["validate", "bots.yaml"], { cwd: dir });
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(shown[0]![1]!);
});

test("scalar run stops at the modules first, then at the setups", async () => {
  const lines = shown[0]![1]!.trimEnd().split("\n");
  const dir = folderWith(files);
  const loading = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(loading.code).toBe(2);
  expect(loading.stderr.trimEnd().split("\n")).toEqual(lines.slice(3));
  // The two plugins fixed: the setup problems, the same lines as validate's.
  writeFileSync(join(dir, "bots/broken.ts"), "export function setup() {}\n");
  writeFileSync(join(dir, "bots/nothere.ts"), "export function setup() {}\n");
  // Port 0: the example's 7667 may be taken on this machine.
  writeFileSync(join(dir, "bots.yaml"), files["bots.yaml"]!.replace("port: 7667", "port: 0"));
  const setup = await runCli(["run", "bots.yaml"], { cwd: dir });
  expect(setup.code).toBe(2);
  expect(setup.stderr.trimEnd().split("\n")).toEqual(lines.slice(0, 3));
  rmSync(join(dir, "data"), { recursive: true, force: true });
});
