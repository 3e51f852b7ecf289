import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PluginLoadError } from "../../src/bot/loader.ts";
import { loadConfig } from "../../src/config/load.ts";
import { checkPluginOptions } from "../../src/config/plugin-options.ts";
import {
  checkPlugins,
  loadConfiguredPlugin,
  PluginOptionsError,
} from "../../src/config/plugins.ts";
import { folderWith, problems, refusal } from "./helpers.ts";

// The modules live in a temporary folder, outside this package: zod by its path.
const ZOD = JSON.stringify(Bun.resolveSync("zod", import.meta.dir));

const GREETER = `import { z } from ${ZOD};
export const options = z
  .object({
    word: z.string({ error: "expected a greeting word" }),
    times: z.number({ error: "expected a count" }).int().min(1).default(1),
  })
  .strict();
export function setup() {}
`;

const COUNTER = `import { z } from ${ZOD};
export default {
  name: "counter",
  options: z.object({ every: z.enum(["hour", "day"]) }).strict(),
  setup() {},
};
`;

describe("built-in plugin options: located, naming the bot and the plugin", () => {
  test("each wrong option at its own line", () => {
    const text = `bots:
  - id: helper@localhost
    state: ./data
    plugins:
      - use: echo
        with:
          command: "!say"
          direct: sometimes
      - use: scheduler
        with:
          announcements:
            - every: 2h
              topic: "#general"
`;
    expect(problems(text)).toEqual([
      'bots.yaml:8: bots[0].plugins[0].with.direct: expected true or false, got "sometimes" (plugin echo of bot helper@localhost)',
      "bots.yaml:12: bots[0].plugins[1].with.announcements[0].text: missing: expected the text to send (plugin scheduler of bot helper@localhost)",
    ]);
    expect(refusal(text).problems[0]).toMatchObject({ bot: "helper@localhost", plugin: "echo" });
  });

  test("a plugin that needs options and has none", () => {
    expect(
      problems("bots:\n  - id: a@localhost\n    state: ./a\n    plugins:\n      - use: logger\n"),
    ).toEqual([
      "bots.yaml:5: bots[0].plugins[0].with: missing: expected a map with dir (plugin logger of bot a@localhost)",
    ]);
  });
});

describe("a plugin module's options, checked once it is loaded", () => {
  const dir = folderWith({
    "greeter.ts": GREETER,
    "counter.ts": COUNTER,
    "bots.yaml": `bots:
  - id: greeter@localhost
    state: ./data
    plugins:
      - use: ./greeter.ts
        with:
          word: 7
          tims: 2
      - use: ./counter.ts
        with: { every: dya }
      - use: ./greeter.ts
        with: { word: hi }
`,
  });
  const file = join(dir, "bots.yaml");

  test("every issue at its own line, with did-you-mean, naming the bot and the plugin", async () => {
    const loaded = loadConfig(file, {});
    const entries = loaded.config.bots[0]!.plugins;
    const error = await loadConfiguredPlugin(entries[0]!, "bots[0].plugins[0]").catch((e) => e);
    expect(error).toBeInstanceOf(PluginOptionsError);
    // Still a PluginLoadError: `scalar run` and `scalar validate` exit 2 on it.
    expect(error).toBeInstanceOf(PluginLoadError);
    expect(error.code).toBe("config_invalid");
    expect(error.message.split("\n")).toEqual([
      `${file}:7: bots[0].plugins[0].with.word: expected a greeting word, got 7 (plugin ./greeter.ts of bot greeter@localhost)`,
      `${file}:8: bots[0].plugins[0].with.tims: unknown key "tims"; did you mean "times"? (plugin ./greeter.ts of bot greeter@localhost)`,
    ]);

    const second = await loadConfiguredPlugin(entries[1]!, "bots[0].plugins[1]").catch((e) => e);
    expect(second.message).toBe(
      `${file}:10: bots[0].plugins[1].with.every: expected one of "hour", "day", got "dya"; did you mean "day"? (plugin ./counter.ts of bot greeter@localhost)`,
    );

    const third = await loadConfiguredPlugin(entries[2]!, "bots[0].plugins[2]");
    expect(third.options).toEqual({ word: "hi", times: 1 });
  });

  test("checkPluginOptions returns every problem without throwing, and the parsed options when valid", async () => {
    const loaded = loadConfig(file, {});
    const { options } = await import(join(dir, "greeter.ts"));
    const bad = checkPluginOptions(loaded, 0, 0, options, "greeter");
    expect(bad.options).toBeUndefined();
    expect(bad.problems.map((p) => [p.line, p.path, p.code, p.bot, p.plugin])).toEqual([
      [7, "bots[0].plugins[0].with.word", "invalid_value", "greeter@localhost", "greeter"],
      [8, "bots[0].plugins[0].with.tims", "unknown_key", "greeter@localhost", "greeter"],
    ]);
    expect(checkPluginOptions(loaded, 0, 2, options)).toEqual({
      options: { word: "hi", times: 1 },
      problems: [],
    });
  });

  test("an entry not read from a file keeps the loader's own message", async () => {
    const error = await loadConfiguredPlugin(
      { use: join(dir, "greeter.ts"), with: { word: 7 } },
      "bots[0].plugins[0]",
    ).catch((e) => e);
    expect(error).toBeInstanceOf(PluginLoadError);
    expect(error).not.toBeInstanceOf(PluginOptionsError);
    expect(error.message).toBe("bots[0].plugins[0].with.word: expected a greeting word");
  });
});

describe("checkPlugins: every plugin problem of a file in one pass", () => {
  test("modules that do not load or export no plugin, and wrong options of several modules", async () => {
    const dir = folderWith({
      "greeter.ts": GREETER,
      "counter.ts": COUNTER,
      "empty.ts": "export const nothing = 1;\n",
      "bots.yaml": `bots:
  - id: greeter@localhost
    state: ./data/greeter
    plugins:
      - use: ./greeter.ts
        with: { word: 7 }
      - use: ./missing.ts
      - use: echo
  - id: counter@localhost
    state: ./data/counter
    plugins:
      - use: ./empty.ts
      - use: ./counter.ts
        with: { every: week }
`,
    });
    const file = join(dir, "bots.yaml");
    const found = await checkPlugins(loadConfig(file, {}));
    expect(found.map((p) => [p.line, p.code, p.path, p.bot, p.plugin])).toEqual([
      [6, "invalid_value", "bots[0].plugins[0].with.word", "greeter@localhost", "./greeter.ts"],
      [7, "plugin_unloadable", "bots[0].plugins[1].use", "greeter@localhost", "./missing.ts"],
      [12, "plugin_unloadable", "bots[1].plugins[0].use", "counter@localhost", "./empty.ts"],
      [14, "invalid_value", "bots[1].plugins[1].with.every", "counter@localhost", "./counter.ts"],
    ]);
    expect(found[1]!.message).toStartWith(`cannot load ${join(dir, "missing.ts")}: `);
    expect(found[2]!.message).toStartWith(`${join(dir, "empty.ts")} exports no plugin`);
    expect(found[3]!.message).toBe(
      'expected one of "hour", "day", got "week" (plugin ./counter.ts of bot counter@localhost)',
    );
  });

  test("none for a file whose plugins all load", async () => {
    const dir = folderWith({
      "greeter.ts": GREETER,
      "bots.yaml": `bots:
  - id: greeter@localhost
    state: ./data
    plugins:
      - use: ./greeter.ts
        with: { word: hi }
      - use: echo
`,
    });
    expect(await checkPlugins(loadConfig(join(dir, "bots.yaml"), {}))).toEqual([]);
  });
});
