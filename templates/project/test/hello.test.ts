/**
 * The bots of bots.yaml against a real server in this process: a test user
 * talks to them as a person would.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHarness } from "scalarbot/testing";

const config = join(import.meta.dir, "../bots.yaml");

test("hello answers !hello and thanks", async () => {
  await using h = await createHarness({ config });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "!hello");
  await alice.expectMessage({ from: "hello", body: "Hello, alice!" });
  await alice.say("#general", "!hello world");
  await alice.expectMessage({ from: "hello", body: "Hello, world!" });
  await alice.say("#general", "thanks!");
  await alice.expectMessage({ from: "hello", body: "any time, alice!" });
});

test("logbot records #general as JSON lines", async () => {
  await using h = await createHarness({ config });
  const alice = await h.user("alice");
  await alice.join("#general");
  const { seq } = await alice.say("#general", "remember this");
  await h.settle(); // every bot has handled everything sent so far
  const logs = join(h.dir, "logs");
  const lines = readdirSync(logs, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".jsonl"))
    .flatMap((file) => readFileSync(join(logs, file), "utf8").trim().split("\n"));
  const said = lines.map((line) => JSON.parse(line)).find((event) => event.seq === seq);
  expect(said).toMatchObject({ topic: "#general@localhost", from: "alice@localhost" });
  expect(said.body).toBe("remember this");
});
