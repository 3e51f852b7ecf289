import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SUBSCRIPTIONS } from "../../src/config/checks.ts";
import { ConfigError, formatWarning, loadConfig } from "../../src/config/load.ts";
import { resolveOptions } from "../../src/server/options.ts";
import { folderWith } from "./helpers.ts";

/** The lines loading `text` from a real file is refused with (the path as given). */
function refusedLines(text: string): string[] {
  const path = join(folderWith({ "bots.yaml": text }), "bots.yaml");
  try {
    loadConfig(path, {});
  } catch (error) {
    if (error instanceof ConfigError)
      return error.message.split("\n").map((l) => l.replace(path, "bots.yaml"));
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("two bots cannot share an ID", () => {
  test("hello and hello@localhost on a localhost server are one ID; both lines are named", () => {
    const text = `server: { embedded: { port: 0 } }
bots:
  - id: hello
    state: ./data/a
  - id: greeter@localhost
    state: ./data/b
  - id: Hello@LOCALHOST
    state: ./data/c
`;
    expect(refusedLines(text)).toEqual([
      "bots.yaml:7: bots[2].id: duplicate bot id hello@localhost (also bots[0].id, line 3); each bot needs its own",
    ]);
  });

  test("on a remote server, the same short ID twice; a short and a full one only warn", () => {
    expect(
      refusedLines("bots:\n  - id: hello\n    state: ./a\n  - id: hello\n    state: ./b\n"),
    ).toEqual([
      "bots.yaml:4: bots[1].id: duplicate bot id hello (also bots[0].id, line 2); each bot needs its own",
    ]);
    const dir = folderWith({
      "bots.yaml":
        "bots:\n  - id: hello\n    state: ./a\n  - id: hello@example.com\n    state: ./b\n",
    });
    const loaded = loadConfig(join(dir, "bots.yaml"), {});
    expect(loaded.warnings?.map((w) => [w.code, w.line, w.path])).toEqual([
      ["maybe_duplicate_id", 4, "bots[1].id"],
    ]);
    expect(loaded.warnings?.[0]?.message).toBe(
      "hello@example.com and hello (bots[0].id, line 2) are one bot if the server's domain is example.com",
    );
  });
});

describe("two bots cannot share a state folder", () => {
  test("the same folder written two ways, resolved against the file's folder", () => {
    const dir = folderWith({});
    const text = `bots:
  - id: logbot@localhost
    state: ./data/bots
  - id: greeter@localhost
    state: ${join(dir, "data/bots/")}
`;
    const path = join(dir, "bots.yaml");
    writeFileSync(path, text);
    let error: unknown;
    try {
      loadConfig(path, {});
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      {
        code: "shared_state",
        file: path,
        line: 5,
        path: "bots[1].state",
        bot: "greeter@localhost",
        message: `state folder ${join(dir, "data/bots/")} is also the state of logbot@localhost (bots[0].state, line 3); each bot needs its own folder, or their cursors overwrite each other`,
      },
    ]);
  });
});

describe("a bot ID must be on the embedded server's domain", () => {
  test("a domain set in the file is named with its line", () => {
    const text = `server:
  embedded:
    domain: chat.example.com
bots:
  - id: logbot@localhost
    state: ./data/logbot
  - id: greeter
    state: ./data/greeter
`;
    expect(refusedLines(text)).toEqual([
      "bots.yaml:5: bots[0].id: logbot@localhost is not on the embedded server's domain chat.example.com (server.embedded.domain, line 3), so the server would refuse it; write logbot@chat.example.com or just logbot",
    ]);
  });

  test("the default domain is localhost", () => {
    expect(
      refusedLines(
        "server: { embedded: {} }\nbots:\n  - id: logbot@example.com\n    state: ./data\n",
      ),
    ).toEqual([
      "bots.yaml:3: bots[0].id: logbot@example.com is not on the embedded server's domain localhost (the default of server.embedded.domain), so the server would refuse it; write logbot@localhost or just logbot",
    ]);
  });

  test("a remote server's domain is not known before connecting: any domain is accepted", () => {
    const dir = folderWith({
      "bots.yaml": "bots:\n  - id: logbot@example.com\n    state: ./data\n",
    });
    expect(loadConfig(join(dir, "bots.yaml"), {}).warnings).toEqual([]);
  });
});

describe("more topics than a default server allows is a warning, returned beside the config", () => {
  const topics = (n: number) => Array.from({ length: n }, (_, i) => `"#t${i}"`).join(", ");

  test("the limit is the server's default", () => {
    expect(DEFAULT_SUBSCRIPTIONS).toBe(resolveOptions({ log: { log() {} } }).maxSubscriptions);
  });

  test("101 channels: one warning naming the limit", () => {
    const dir = folderWith({
      "bots.yaml": `server: { embedded: { port: 0 } }\nbots:\n  - id: logbot\n    state: ./data\n    topics: [${topics(101)}]\n`,
    });
    const loaded = loadConfig(join(dir, "bots.yaml"), {});
    expect(loaded.config.bots[0]!.topics.length).toBe(101);
    expect(loaded.warnings!.map((w) => formatWarning({ ...w, file: "bots.yaml" }))).toEqual([
      "bots.yaml:5: bots[0].topics: warning: 101 channels, but the embedded server lets a connection subscribe to 100 (limits.subscriptions); the other 1 would be refused with too_many_subscriptions",
    ]);
    expect(loaded.warnings![0]!.code).toBe("too_many_topics");
  });

  test("100 channels (the same name twice counts once) is within the limit", () => {
    const dir = folderWith({
      "bots.yaml": `bots:\n  - id: logbot@localhost\n    state: ./data\n    topics: [${topics(100)}, "#T0"]\n`,
    });
    expect(loadConfig(join(dir, "bots.yaml"), {}).warnings).toEqual([]);
  });
});
