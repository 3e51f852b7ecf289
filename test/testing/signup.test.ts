/**
 * bots/signup.ts under the harness, as config.example.yaml runs it: the
 * form, its validation, a restart in the middle, `!forget` asking first,
 * and the command examples it declares.
 */
import { expect, test } from "bun:test";
import { join, resolve } from "node:path";
import signup from "../../bots/signup.ts";
import { createHarness, runCommandExamples } from "../../src/testing/index.ts";

const root = resolve(import.meta.dir, "../..");

test("config.example.yaml: !signup across a restart of the greeter, then !profile and !forget", async () => {
  await using h = await createHarness({ config: join(root, "config.example.yaml") });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!signup");
  await alice.expectMessage({ from: "greeter", body: "What's your name? (!cancel to stop)" });
  await alice.say("#general", "Alice");
  await alice.expectMessage({ from: "greeter", body: /^Thanks, Alice\. Your favourite colour\?/ });
  await h.restartBot("greeter");
  await alice.say("#general", "purple");
  await alice.expectMessage({ from: "greeter", body: "I don't know purple." });
  await alice.expectMessage({ from: "greeter", body: /^Thanks, Alice\./ });
  await alice.say("#general", "Blue");
  await alice.expectMessage({ from: "greeter", body: "Alice likes blue" });
  await alice.say("#general", "!profile");
  await alice.expectMessage({ from: "greeter", body: "alice is Alice, who likes blue" });
  await alice.say("#general", "!forget");
  await alice.expectMessage({ from: "greeter", body: "Delete your profile? (yes/no)" });
  await alice.say("#general", "maybe");
  await alice.say("#general", "yes");
  await alice.expectMessage({ from: "greeter", body: "forgotten" });
  await alice.say("#general", "!profile alice");
  await alice.expectMessage({ from: "greeter", body: "alice has not signed up" });
  expect(h.errors).toEqual([]);
});

test("its options, !cancel, and its examples", async () => {
  await using h = await createHarness({
    bots: [{ id: "desk", topics: ["#general"], plugins: [[signup, { colors: ["teal"] }]] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!signup");
  await alice.say("#general", "Al");
  await alice.expectMessage({ from: "desk", body: "Thanks, Al. Your favourite colour? (teal)" });
  await alice.say("#general", "!cancel");
  await alice.expectMessage({ from: "desk", body: "!signup cancelled" });
  await alice.say("#general", "teal");
  await alice.expectNoMessage({ from: "desk", body: /likes/ });
  const runs = await runCommandExamples(h);
  expect(runs.map((r) => r.answer)).toEqual(["nobody has not signed up"]);
});
