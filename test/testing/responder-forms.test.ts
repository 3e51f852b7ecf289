/**
 * The YAML form of a conversation (`responders` rules with `ask`) under
 * the harness: questions in turn, choices asked again, a restart in the
 * middle, the timeout on the harness clock, and the errors a wrong form
 * gets from the configuration loader.
 */
import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load.ts";
import { createHarness, runCommandExamples } from "../../src/testing/index.ts";

const config = `
bots:
  - id: forms@localhost
    topics: ["#general", "#dev"]
    state: ./data/forms
    plugins:
      - use: responders
        with:
          rules:
            - command: signup
              help: tell me your favourite colour
              ask:
                - key: name
                  question: "What's your name, {from.local}?"
                - key: color
                  question: "{name}, your favourite colour?"
                  choices: [Red, Green, Blue]
                  error: "Red, Green or Blue, please"
              reply: "{name} likes {color}"
              timeout: 2m
              topics: ["#general"]
              examples:
                - say: "!signup"
                  reply: "/^What's your name, examples\\\\?$/"
`;

describe("a responders form", () => {
  test("asks in turn, asks again on a wrong choice, keeps the choice as written", async () => {
    await using h = await createHarness({ config });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.join("#dev");
    await alice.say("#dev", "!signup");
    await alice.say("#general", "!signup");
    await alice.expectMessage({
      from: "forms",
      topic: "#general",
      body: "What's your name, alice?",
    });
    await alice.say("#general", "Alice");
    await alice.expectMessage({ from: "forms", body: "Alice, your favourite colour?" });
    await alice.say("#general", "purple");
    await alice.expectMessage({ from: "forms", body: "Red, Green or Blue, please" });
    await alice.expectMessage({ from: "forms", body: "Alice, your favourite colour?" });
    await alice.say("#general", "blue");
    await alice.expectMessage({ from: "forms", body: "Alice likes Blue" });
    // Not in #dev: the rule is for #general only.
    await alice.expectNoMessage({ from: "forms", topic: "#dev" });
  });

  test("a form in progress survives h.restartBot; the timeout runs on the harness clock", async () => {
    await using h = await createHarness({ config });
    const alice = await h.user("alice");
    const bob = await h.user("bob");
    await alice.join("#general");
    await bob.join("#general");
    await alice.say("#general", "!signup");
    await alice.say("#general", "Alice");
    await alice.expectMessage({ from: "forms", body: "Alice, your favourite colour?" });
    await bob.say("#general", "!signup");
    await bob.expectMessage({ from: "forms", body: "What's your name, bob?" });
    await h.restartBot("forms");
    await alice.say("#general", "green");
    await alice.expectMessage({ from: "forms", body: "Alice likes Green" });
    // Bob's form was restored too, and ends when its answer does not come in time.
    await h.clock.advance(2 * 60_000);
    await bob.expectMessage({ from: "forms", body: "!signup timed out" });
    await bob.say("#general", "Bob");
    await bob.expectNoMessage({ from: "forms", body: /Bob/ });
  });

  test("its examples run", async () => {
    await using h = await createHarness({ config });
    const runs = await runCommandExamples(h);
    expect(runs.map((r) => r.answer)).toEqual(["What's your name, examples?"]);
  });
});

describe("a wrong form is a configuration error", () => {
  const rules = (rule: string) => `
bots:
  - id: forms@localhost
    topics: ["#general"]
    state: ./data/forms
    plugins:
      - use: responders
        with:
          rules:
${rule}`;
  const problem = (rule: string) => {
    try {
      parseConfig(rules(rule), "forms.yaml", {});
    } catch (error) {
      return (error as Error).message;
    }
    return "no error";
  };

  test("ask on a hears rule", () => {
    expect(
      problem(`            - hears: hi
              ask: [{ key: name, question: "name?" }]
              reply: "{name}"
`),
    ).toContain("ask needs a command rule");
  });

  test("a question using a later answer, a taken key, a pattern that is no regex", () => {
    const message = problem(`            - command: f
              ask:
                - { key: a, question: "{b}?" }
                - { key: b, question: "b?", pattern: "yes" }
                - { key: b, question: "again?" }
              reply: "{a} {b}"
`);
    expect(message).toContain("rules[0].ask[0].question: unknown placeholder {b}");
    expect(message).toContain("rules[0].ask[1].pattern: expected a /regex/");
    expect(message).toContain("rules[0].ask[2].key: b is taken by an earlier question");
  });

  test("a timeout that is no duration; per without ask", () => {
    expect(
      problem(`            - command: f
              ask: [{ key: a, question: "a?" }]
              reply: "{a}"
              timeout: soon
            - command: g
              reply: "g"
              per: user
`),
    ).toMatch(
      /timeout: expected a duration like "10m", got "soon"[\s\S]*rules\[1\]\.per: per is for a rule with ask/,
    );
  });

  test("a reply using a key no question has", () => {
    expect(
      problem(`            - command: f
              ask: [{ key: a, question: "a?" }]
              reply: "{a} {c}"
`),
    ).toContain("unknown placeholder {c}");
  });
});
