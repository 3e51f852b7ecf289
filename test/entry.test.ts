/**
 * The package's main entry (`scalarbot`, src/index.ts): a plugin module
 * imports it into a bot's process, so importing it loads the bot layer and
 * not the configuration checker or the server; `loadConfig` and
 * `startServer` load them when called, and work as their own modules do.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError } from "../src/config/problems.ts";
import { definePlugin, loadConfig, startServer } from "../src/index.ts";
import { folderWith } from "./config/helpers.ts";

const ENTRY = join(import.meta.dir, "../src/index.ts");

test("importing the main entry loads neither zod, the YAML parser, the schema nor the server", () => {
  const script = `await import(${JSON.stringify(ENTRY)});
console.log(JSON.stringify(Object.keys(require.cache)));`;
  const run = Bun.spawnSync([process.execPath, "-e", script]);
  expect(run.stderr.toString()).toBe("");
  const loaded: string[] = JSON.parse(run.stdout.toString());
  expect(loaded.some((file) => file.endsWith("/src/bot/api.ts"))).toBe(true);
  const heavy = loaded.filter((file) =>
    /\/node_modules\/(zod|yaml|commander)\/|\/src\/config\/(schema|load)\.ts$|\/src\/server\//.test(
      file,
    ),
  );
  expect(heavy).toEqual([]);
});

test("loadConfig from the main entry checks a file, and names what is wrong in one", () => {
  const dir = folderWith({
    "good.yaml":
      "server: { host: 127.0.0.1, port: 7667 }\nbots:\n  - id: a@localhost\n    state: ./a\n",
    "bad.yaml":
      "server: { host: 127.0.0.1, port: 7667 }\nbots:\n  - id: a@localhost\n    stat: ./a\n",
  });
  const loaded = loadConfig(join(dir, "good.yaml"), {});
  expect(loaded.config.bots.map((b) => b.id)).toEqual(["a@localhost"]);
  let error: unknown;
  try {
    loadConfig(join(dir, "bad.yaml"), {});
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect(String((error as Error).message)).toContain("bad.yaml:4");
});

test("startServer from the main entry serves, and a plugin from it is the bot layer's", async () => {
  // The logger as data: importing it from the server module would load that module here.
  const server = await startServer({ port: 0, host: "127.0.0.1", log: { log() {} } });
  try {
    expect(server.port).toBeGreaterThan(0);
  } finally {
    await server.stop();
  }
  const plugin = { name: "p", setup() {} };
  expect(definePlugin(plugin)).toBe(plugin);
});
