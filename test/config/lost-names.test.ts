import { describe, expect, test } from "bun:test";
import { checkConfig } from "../../src/config/load.ts";
import { problems, refusal } from "./helpers.ts";

const HINT = "is read as a YAML comment, not a value (a # after a space, [ or , starts a comment)";

describe("an unquoted #name is read by YAML as a comment: the hint says to quote it", () => {
  test("topics: [#general] (YAML then fails to parse the list)", () => {
    const text = `bots:
  - id: logbot@localhost
    topics: [#general]
    state: ./data
`;
    expect(problems(text)).toEqual([
      `bots.yaml:3: bots[0].topics[0]: #general ${HINT}; quote it: "#general"`,
    ]);
    expect(refusal(text).problems[0]!.code).toBe("unquoted_hash");
  });

  test("every name of the list, and the rest of the file is still checked", () => {
    const text = `bots:
  - id: logbot@localhost
    topics: [#general, #dev]
    state: ./data
    backlog: many
`;
    expect(problems(text)).toEqual([
      `bots.yaml:3: bots[0].topics[0]: #general ${HINT}; quote it: "#general"`,
      `bots.yaml:3: bots[0].topics[1]: #dev ${HINT}; quote it: "#dev"`,
      'bots.yaml:5: bots[0].backlog: expected a count of events, got "many"',
    ]);
  });

  test("with a space inside the brackets, and after a quoted name", () => {
    expect(
      problems('bots:\n  - id: logbot@localhost\n    topics: [ "#ok", #dev ]\n    state: ./data\n'),
    ).toEqual([`bots.yaml:3: bots[0].topics[1]: #dev ${HINT}; quote it: "#dev"`]);
  });

  test("in a block list, where YAML reads it as an empty item", () => {
    const text = `bots:
  - id: logbot@localhost
    state: ./data
    topics:
      - "#general"
      - #dev
`;
    expect(problems(text)).toEqual([
      `bots.yaml:6: bots[0].topics[1]: #dev ${HINT}; quote it: "#dev"`,
    ]);
  });

  test("in a plugin's options: the logger's topics, an announcement's text", () => {
    const text = `bots:
  - id: logbot@localhost
    state: ./data
    topics: ["#general"]
    plugins:
      - use: logger
        with: { dir: ./logs, topics: [#general] }
      - use: scheduler
        with:
          announcements:
            - every: 2h
              topic: #general
              text: "stretch"
`;
    expect(problems(text)).toEqual([
      `bots.yaml:7: bots[0].plugins[0].with.topics[0]: #general ${HINT}; quote it: "#general"`,
      `bots.yaml:12: bots[0].plugins[1].with.announcements[0].topic: #general ${HINT}; quote it: "#general"`,
    ]);
  });

  test("a value that is not a list still gets both the hint and what was expected", () => {
    expect(
      problems("bots:\n  - id: logbot@localhost\n    topics: #general\n    state: ./data\n"),
    ).toEqual([
      `bots.yaml:3: bots[0].topics: #general ${HINT}; quote it: "#general"`,
      'bots.yaml:3: bots[0].topics: expected a list of topics, got "#general"',
    ]);
  });

  test("real comments are left alone", () => {
    const text = `# bots of the team
server: #the local one
  host: 127.0.0.1
bots:
  - id: logbot@localhost # the logger
    topics: ["#general"] #main
    state: ./data
    #todo: more topics
`;
    expect(checkConfig(text, "bots.yaml", {}).config.bots[0]!.topics).toEqual(["#general"]);
  });
});
