import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginLoadError } from "../../src/bot/loader.ts";
import { loadConfiguredPlugin } from "../../src/config/plugins.ts";

describe("plugin loader", () => {
  test("built-ins by name, with options validated and defaulted", async () => {
    const loaded = await loadConfiguredPlugin({ use: "echo" }, "bots[0].plugins[0]");
    expect(loaded.name).toBe("echo");
    expect(loaded.options).toEqual({ command: "!echo", direct: true });
  });

  test("a module with a default definePlugin export, its schema checked", async () => {
    const file = join(import.meta.dir, "fixtures/hello.ts");
    const loaded = await loadConfiguredPlugin(
      { use: file, with: { word: "hi" } },
      "bots[0].plugins[1]",
    );
    expect(loaded).toMatchObject({ name: "hello", options: { word: "hi" } });
    const bad = loadConfiguredPlugin({ use: file, with: { word: 1 } }, "bots[0].plugins[1]");
    expect(bad).rejects.toThrow("bots[0].plugins[1].with.word:");
  });

  test("a module exporting a named setup", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scalar-plugin-"));
    const file = join(dir, "named.ts");
    writeFileSync(file, "export function setup() {}\n");
    const loaded = await loadConfiguredPlugin({ use: file }, "bots[0].plugins[0]");
    expect(loaded.name).toBe("named");
  });

  test("a missing module or one without a plugin is a clear error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scalar-plugin-"));
    const empty = join(dir, "empty.ts");
    writeFileSync(empty, "export const x = 1;\n");
    expect(loadConfiguredPlugin({ use: empty }, "bots[0].plugins[0]")).rejects.toThrow(
      PluginLoadError,
    );
    expect(loadConfiguredPlugin({ use: empty }, "bots[0].plugins[0]")).rejects.toThrow(
      "exports no plugin",
    );
    expect(
      loadConfiguredPlugin({ use: join(dir, "nope.ts") }, "bots[0].plugins[2]"),
    ).rejects.toThrow("bots[0].plugins[2].use: cannot load");
  });
});
