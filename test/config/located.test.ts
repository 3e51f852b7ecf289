import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { folderWith, problems, refusal } from "./helpers.ts";

const BOT = `bots:
  - id: logbot@localhost
    state: ./data
`;

describe("each problem names the deepest wrong key, at its own line, with what was expected", () => {
  test("a bad port of the embedded server blames the port, not `embedded`", () => {
    expect(problems(`server: { embedded: { port: seventy } }\n${BOT}`)).toEqual([
      'bots.yaml:1: server.embedded.port: expected a port number from 0 to 65535, got "seventy"',
    ]);
    expect(problems(`server:\n  embedded:\n    host: 0.0.0.0\n    port: 70000\n${BOT}`)).toEqual([
      "bots.yaml:4: server.embedded.port: expected a port number from 0 to 65535, got 70000",
    ]);
  });

  test("an unknown key under `embedded` is named on its own line, with the key it resembles", () => {
    const text = `server:
  embedded:
    port: 0
    domian: example.com
${BOT}`;
    expect(problems(text)).toEqual([
      'bots.yaml:4: server.embedded.domian: unknown key "domian"; did you mean "domain"?',
    ]);
    expect(refusal(text).problems[0]).toMatchObject({
      code: "unknown_key",
      file: "bots.yaml",
      line: 4,
      path: "server.embedded.domian",
    });
  });

  test("unknown keys anywhere get a did-you-mean: a swap of two letters is one typo", () => {
    const text = `bots:
  - id: logbot@localhost
    state: ./data
    topcis: ["#general"]
    reconnect: { intial: 1 }
    keepalive:
      interva: 10
`;
    expect(problems(text)).toEqual([
      'bots.yaml:4: bots[0].topcis: unknown key "topcis"; did you mean "topics"?',
      'bots.yaml:5: bots[0].reconnect.intial: unknown key "intial"; did you mean "initial"?',
      'bots.yaml:7: bots[0].keepalive.interva: unknown key "interva"; did you mean "interval"?',
    ]);
  });

  test("an unknown key like no known one lists the keys known there", () => {
    expect(problems(`${BOT}    colour: blue\n`)).toEqual([
      'bots.yaml:4: bots[0].colour: unknown key "colour" (known here: id, token, topics, state, backlog, admins, ownMessages, reconnect, keepalive, plugins)',
    ]);
  });

  test("the remote server's keys are checked as the remote server's", () => {
    expect(problems(`server:\n  host: 10.0.0.2\n  prot: 7667\n${BOT}`)).toEqual([
      'bots.yaml:3: server.prot: unknown key "prot"; did you mean "port"?',
    ]);
  });

  test("a value no branch of a union takes: what each would take", () => {
    expect(problems(`server: 7667\n${BOT}`)).toEqual([
      "bots.yaml:1: server: expected { host, port } of a server to connect to, or { embedded: { … } } to run one, got 7667",
    ]);
    expect(problems(`${BOT}    plugins: [echo]\n`)).toEqual([
      'bots.yaml:4: bots[0].plugins[0]: expected a plugin entry: write { use: echo } (with options: { use: echo, with: { … } }), got "echo"',
    ]);
  });

  test("a missing key is reported at the map that lacks it", () => {
    expect(problems("bots:\n  - topics: []\n    id: logbot@localhost\n")).toEqual([
      "bots.yaml:2: bots[0].state: missing: expected a folder path",
    ]);
  });

  test("an enum value that is a typo of an allowed one", () => {
    const text = `${BOT}    plugins:
      - use: responders
        with:
          rules:
            - hears: hi
              reply: hello
              cooldown: { seconds: 60, per: usr }
`;
    expect(problems(text)).toEqual([
      'bots.yaml:10: bots[0].plugins[0].with.rules[0].cooldown.per: expected one of "user", "topic", "global", got "usr"; did you mean "user"? (plugin responders of bot logbot@localhost)',
    ]);
  });

  test("a domain that is not a hostname", () => {
    expect(problems(`server: { embedded: { domain: "my server" } }\n${BOT}`)).toEqual([
      'bots.yaml:1: server.embedded.domain: expected a domain name like example.com (labels of a-z 0-9 - joined by dots), got "my server"',
    ]);
  });
});

describe("all problems of a file in one pass", () => {
  test("structure, values, plugin options and checks across bots, sorted by line, each with its code", () => {
    const text = `server:
  embedded:
    port: seventy
    domian: example.com
bots:
  - id: logbot@localhost
    topcis: ["#general"]
    state: ./data
    plugins:
      - use: logger
        with: { dri: ./logs }
  - id: logbot
    state: ./data
    backlog: -1
`;
    const error = refusal(text);
    expect(error.message.split("\n")).toEqual([
      'bots.yaml:3: server.embedded.port: expected a port number from 0 to 65535, got "seventy"',
      'bots.yaml:4: server.embedded.domian: unknown key "domian"; did you mean "domain"?',
      'bots.yaml:7: bots[0].topcis: unknown key "topcis"; did you mean "topics"?',
      "bots.yaml:11: bots[0].plugins[0].with.dir: missing: expected a folder path (plugin logger of bot logbot@localhost)",
      'bots.yaml:11: bots[0].plugins[0].with.dri: unknown key "dri"; did you mean "dir"? (plugin logger of bot logbot@localhost)',
      "bots.yaml:12: bots[1].id: duplicate bot id logbot@localhost (also bots[0].id, line 6); each bot needs its own",
      "bots.yaml:13: bots[1].state: state folder ./data is also the state of logbot@localhost (bots[0].state, line 8); each bot needs its own folder, or their cursors overwrite each other",
      "bots.yaml:14: bots[1].backlog: expected a count of events (0 or more), got -1",
    ]);
    expect(error.code).toBe("config_invalid");
    expect(error.problems.map((p) => p.code)).toEqual([
      "invalid_value",
      "unknown_key",
      "unknown_key",
      "missing_key",
      "unknown_key",
      "duplicate_id",
      "shared_state",
      "invalid_value",
    ]);
  });

  test("an unset variable is reported once, as unset, not again as a bad port", () => {
    expect(problems(`server:\n  port: \${PORT}\n${BOT}`)).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows a ${VAR} reference
      "bots.yaml:2: server.port: environment variable PORT is not set (write ${PORT:-default} for a default)",
    ]);
  });

  test("a YAML syntax error stops the check at its line", () => {
    expect(problems("bots:\n  - id: logbot@localhost\n   state: ./data\n")).toEqual([
      "bots.yaml:3: not valid YAML: Sequence item without - indicator",
    ]);
    expect(refusal("bots: [\n").problems[0]!.code).toBe("yaml_syntax");
  });

  test("a file that cannot be read: one line, code unreadable", () => {
    const dir = folderWith({ "sub/x": "" });
    for (const [path, message] of [
      [join(dir, "nope.yaml"), "no such file"],
      [join(dir, "sub"), "is a folder, not a configuration file"],
    ] as const) {
      let error: unknown;
      try {
        loadConfig(path, {});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(`${path}: ${message}`);
      expect((error as ConfigError).problems[0]!.code).toBe("unreadable");
    }
  });
});
