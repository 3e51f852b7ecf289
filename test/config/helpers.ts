import { afterAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type CheckedConfig, ConfigError, checkConfig } from "../../src/config/load.ts";

/** The error a configuration text is refused with (the test fails if it is accepted). */
export function refusal(text: string, env: Record<string, string> = {}): ConfigError {
  let checked: CheckedConfig;
  try {
    checked = checkConfig(text, "bots.yaml", env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(
    `expected the configuration to be refused; it gave ${JSON.stringify(checked.config)}`,
  );
}

/** The lines a configuration text is refused with. */
export function problems(text: string, env: Record<string, string> = {}): string[] {
  return refusal(text, env).message.split("\n");
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder holding `files` (name → text); removed after the test file. */
export function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "scalar-config-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
