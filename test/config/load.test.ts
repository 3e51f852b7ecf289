// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings test ${VAR} interpolation
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Runner } from "../../src/cli/runner.ts";
import { interpolate } from "../../src/config/env.ts";
import { ConfigError, loadConfig, parseConfig } from "../../src/config/load.ts";
import { configJsonSchema } from "../../src/config/schema.ts";
import { BUILTIN_PLUGINS } from "../../src/plugins/builtins.ts";

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, "bots.yaml", env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split("\n");
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

const MINIMAL = `bots:
  - id: logbot@localhost
    topics: ["#general"]
    state: ./data
`;

describe("configuration errors name file, line, key path and what was expected", () => {
  test("a topic that is not a name", () => {
    const text = `server: { host: 127.0.0.1, port: 7667 }
bots:
  - id: logbot@localhost
    state: ./data
    plugins: []
    topics:
      - "#general"
      - 42
`;
    expect(problems(text)).toEqual([
      'bots.yaml:8: bots[0].topics[1]: expected a topic name like "#general", got 42',
    ]);
  });

  test("unknown keys, missing keys, wrong types, bad plugin options, in line order", () => {
    const text = `server:
  host: 127.0.0.1
  port: 99999
bots:
  - id: "not an id"
    topics: "#general"
    colour: blue
    plugins:
      - use: logger
        with: { dir: 3 }
      - use: nope
      - use: echo
        with: { direct: "yes" }
`;
    expect(problems(text)).toEqual([
      "bots.yaml:3: server.port: expected a port number from 0 to 65535, got 99999",
      'bots.yaml:5: bots[0].id: expected an ID like "logbot@localhost", got "not an id"',
      "bots.yaml:5: bots[0].state: missing: expected a folder path",
      'bots.yaml:6: bots[0].topics: expected a list of topics, got "#general"',
      'bots.yaml:7: bots[0].colour: unknown key "colour" (known here: id, token, topics, state, backlog, admins, ownMessages, reconnect, keepalive, plugins)',
      "bots.yaml:10: bots[0].plugins[0].with.dir: expected a folder path, got 3 (plugin logger of bot not an id)",
      'bots.yaml:11: bots[0].plugins[1].use: expected a built-in plugin (logger, echo, help, responders, scheduler, github, reload) or a path starting with ./, got "nope"',
      'bots.yaml:13: bots[0].plugins[2].with.direct: expected true or false, got "yes" (plugin echo of bot not an id)',
    ]);
  });

  test("an unknown plugin name is answered with every built-in", () => {
    const [line] = problems(`${MINIMAL}    plugins:\n      - use: loger\n`);
    const names = Object.keys(BUILTIN_PLUGINS);
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(line).toBe(
      `bots.yaml:6: bots[0].plugins[0].use: expected a built-in plugin (${names.join(", ")}) or a path starting with ./, got "loger"; did you mean "logger"?`,
    );
    const docs = readFileSync(join(import.meta.dir, "../../docs/config.md"), "utf8");
    expect(docs).toContain(`expected a built-in plugin (${names.join(", ")})`);
  });

  test("the logger needs its dir", () => {
    const text = `${MINIMAL}    plugins:
      - use: logger
`;
    expect(problems(text)[0]).toMatch(/^bots\.yaml:6: bots\[0\]\.plugins\[0\]\.with: missing/);
  });

  test("YAML syntax errors carry their line", () => {
    expect(problems("bots:\n  - id: [unclosed\n")[0]).toMatch(/^bots\.yaml:\d+: not valid YAML/);
  });

  test("an empty bot list is refused", () => {
    expect(problems("bots: []\n")).toEqual(["bots.yaml:1: bots: expected at least one bot"]);
  });

  test("a missing file is one clear line", () => {
    expect(() => loadConfig("/nonexistent/bots.yaml")).toThrow(
      "/nonexistent/bots.yaml: no such file",
    );
  });
});

describe("environment interpolation", () => {
  test("${VAR} and ${VAR:-default} inside strings", () => {
    expect(interpolate("a ${X} b", { X: "1" })).toBe("a 1 b");
    expect(interpolate("${Y:-fallback}", {})).toBe("fallback");
    expect(interpolate("${Y:-fallback}", { Y: "" })).toBe("fallback");
    expect(interpolate("${Y:-}", {})).toBe("");
    expect(interpolate("$${X}", { X: "1" })).toBe("${X}");
    expect(() => interpolate("${MISSING}", {})).toThrow("environment variable MISSING is not set");
  });

  test("values are interpolated before validation; a plain whole reference keeps its type", () => {
    const config = parseConfig(
      `server:
  host: "\${HOST:-127.0.0.1}"
  port: \${PORT}
bots:
  - id: \${BOT_ID}
    token: "\${TOKEN}"
    topics: ["#\${CHANNEL:-general}"]
    state: ./data
    backlog: \${BACKLOG:-5}
`,
      "bots.yaml",
      { PORT: "7001", BOT_ID: "logbot@localhost", TOKEN: "12345" },
    );
    expect(config.server).toEqual({ host: "127.0.0.1", port: 7001 });
    expect(config.bots[0]).toMatchObject({
      id: "logbot@localhost",
      token: "12345",
      topics: ["#general"],
      backlog: 5,
    });
  });

  test("an unset variable is reported at its line", () => {
    expect(problems(`${MINIMAL}    token: \${LOGBOT_TOKEN}\n`)).toEqual([
      "bots.yaml:5: bots[0].token: environment variable LOGBOT_TOKEN is not set (write ${LOGBOT_TOKEN:-default} for a default)",
    ]);
  });
});

describe("loading", () => {
  test("defaults are applied and relative paths resolve against the file's folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "scalar-config-"));
    writeFileSync(
      join(dir, "bots.yaml"),
      `server: { embedded: { port: 0, history: "sqlite:./h.sqlite" } }
bots:
  - id: logbot@localhost
    topics: ["#general"]
    state: ./data/logbot
    plugins:
      - use: logger
        with: { dir: ./logs }
      - use: ./greeter.ts
`,
    );
    const loaded = loadConfig(join(dir, "bots.yaml"));
    const bot = loaded.config.bots[0]!;
    expect(bot.state).toBe(join(dir, "data/logbot"));
    expect(bot.plugins[1]!.use).toBe(join(dir, "greeter.ts"));
    expect(bot.reconnect).toEqual({ initial: 0.25, max: 30, factor: 2, jitter: 0.2 });
    expect(bot.keepalive).toEqual({ interval: 30, timeout: 10 });
    expect(bot.backlog).toBe(0);
    expect(loaded.config.server).toMatchObject({
      embedded: { port: 0, domain: "localhost", history: `sqlite:${join(dir, "h.sqlite")}` },
    });
  });

  test("config.example.yaml validates, plugins included", async () => {
    const loaded = loadConfig("config.example.yaml", {});
    expect(loaded.config.bots.map((b) => b.id)).toEqual(["logbot@localhost", "greeter@localhost"]);
    const runner = await Runner.prepare(loaded);
    expect(runner.loaded.config.bots.length).toBe(2);
  });

  test("the JSON Schema describes bots, topics and each built-in plugin's options", () => {
    const schema = JSON.stringify(configJsonSchema());
    expect(schema).toContain('"bots"');
    expect(schema).toContain('"const":"logger"');
    expect(schema).toContain('"dir"');
    expect(schema).toContain('"const":"echo"');
    expect(configJsonSchema().$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });
});
