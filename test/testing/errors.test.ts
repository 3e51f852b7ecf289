/**
 * Errors in a harness: a handler that throws fails the test at `close()`
 * with its stack, unless the test claims it (`h.expectError`) or allows
 * errors; failures of expectations point at the test's own line.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { definePlugin } from "../../src/bot/api.ts";
import { HandlerError } from "../../src/bot/errors.ts";
import { createHarness, UnexpectedBotErrors } from "../../src/testing/index.ts";
import { folderWith } from "../config/helpers.ts";

const general = ["#general"];
const THROW_LINE = 21;

const exploding = definePlugin({
  name: "exploding",
  setup(bot) {
    bot.on("message", (ctx) => {
      if (ctx.body === "explode") throw new Error("boom"); // line THROW_LINE
    });
    bot.command("ping", {}, (ctx) => ctx.reply("pong"));
  },
});

/** The top frame of a stack (its message may take several lines). */
function firstFrame(error: unknown): string | undefined {
  return (error as Error).stack?.split("\n").find((l) => /^\s+at /.test(l));
}

async function explode(options: { allowErrors?: boolean } = {}) {
  const h = await createHarness({
    ...options,
    bots: [{ id: "bomb", topics: general, plugins: [exploding] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "explode");
  return { h, alice };
}

describe("a handler that throws", () => {
  test("fails close() with the error and the stack of the throw", async () => {
    const { h, alice } = await explode();
    // The bot goes on: other handlers still answer.
    await alice.say("#general", "!ping");
    await alice.expectMessage({ from: "bomb", body: "pong" });
    const error = await h.close().catch((e: Error) => e);
    expect(error).toBeInstanceOf(UnexpectedBotErrors);
    const lines = (error as Error).message.split("\n");
    expect(lines[0]).toBe(
      "the bots reported 1 error the test did not expect (await h.expectError(match) for one, or createHarness({ allowErrors: true })):",
    );
    expect(lines[1]).toMatch(
      /^ {2}bomb@test\.local: plugin exploding failed on message at #general@test\.local#\d+: boom$/,
    );
    // Its stack is the throw's: a test runner's code frame shows the line that threw.
    expect(firstFrame(error)).toContain(`${import.meta.path}:${THROW_LINE}:`);
    expect((error as Error).cause).toBeInstanceOf(HandlerError);
  });

  test("allowErrors: close() passes; h.errors keeps them", async () => {
    const { h } = await explode({ allowErrors: true });
    await h.settle();
    await h.close();
    expect(h.errors.map((e) => e.message)).toEqual([expect.stringContaining(": boom")]);
  });

  test("h.expectError claims one error, reported already or still to come", async () => {
    const { h, alice } = await explode();
    const claimed = await h.expectError(/boom/);
    expect(claimed).toBeInstanceOf(HandlerError);
    expect((claimed as HandlerError).plugin).toBe("exploding");
    // Not reported yet: the expectation waits for it.
    const next = h.expectError((e) => e instanceof HandlerError && e.plugin === "exploding");
    await alice.say("#general", "explode");
    expect((await next).message).toContain("boom");
    await h.close();
  });

  test("an error not claimed still fails close(), a claimed one does not count", async () => {
    const { h, alice } = await explode();
    await h.expectError("boom");
    await alice.say("#general", "explode");
    await h.settle();
    const error = await h.close().catch((e: Error) => e);
    expect((error as UnexpectedBotErrors).errors).toHaveLength(1);
  });
});

describe("failures point at the test's line", () => {
  test("h.expectError that nothing matches says what was reported", async () => {
    const { h } = await explode({ allowErrors: true });
    const error = await h.expectError(/nothing like this/, { within: 30 }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /^h\.expectError\(\/nothing like this\/\): no bot reported such an error within 30 ms\.\nReported, not claimed:\n {2}bomb@test\.local: plugin exploding failed on message at #general@test\.local#\d+: boom$/,
    );
    expect(firstFrame(error)).toContain(`${import.meta.path}:`);
    await h.close();
  });

  test("expectMessage and expectNoMessage: the first frame is the test's", async () => {
    await using h = await createHarness({
      allowErrors: true,
      bots: [{ id: "bomb", topics: general, plugins: [exploding] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    const waited = await alice.expectMessage({ body: "never" }, { within: 20 }).catch((e) => e);
    expect(firstFrame(waited)).toContain(`${import.meta.path}:`);
    await alice.say("#general", "!ping");
    const unwanted = await alice.expectNoMessage({ from: "bomb" }).catch((e) => e);
    expect(firstFrame(unwanted)).toContain(`${import.meta.path}:`);
  });
});

test("bun test: a harness test whose handler throws fails, showing the error", async () => {
  const testing = join(import.meta.dir, "../../src/testing/index.ts");
  const dir = folderWith({});
  const file = join(dir, "throws.test.ts");
  writeFileSync(
    file,
    `import { test } from "bun:test";
import { createHarness } from ${JSON.stringify(testing)};

test("a handler throws", async () => {
  await using h = await createHarness({
    bots: [{ id: "bomb", topics: ["#general"], plugins: [{
      name: "bomb",
      setup(bot) {
        bot.on("message", () => {
          throw new Error("kaboom");
        });
      },
    }] }],
  });
  const alice = await h.user("alice");
  await alice.join("#general");
  await alice.say("#general", "anything");
  await h.settle();
});
`,
  );
  const proc = Bun.spawn([process.execPath, "test", file], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const output = out + err;
  expect(code).toBe(1);
  expect(output).toContain("(fail) a handler throws");
  expect(output).toContain(
    "bomb@test.local: plugin bomb failed on message at #general@test.local#",
  );
  expect(output).toContain(": kaboom");
  expect(output).toContain(`${file}:10:`);
});

test("createHarness: a plugin whose setup throws is named with its bot and the test's line", async () => {
  const error = await createHarness({
    bots: [
      {
        id: "bad",
        plugins: [
          {
            name: "bad",
            setup() {
              throw new Error("no setup for you");
            },
          },
        ],
      },
    ],
  }).catch((e: Error) => e);
  expect((error as Error).name).toBe("PluginSetupError");
  expect((error as Error).message).toMatch(
    /^\(harness\): bots\[0\]\.plugins\[0\]: setup failed at test\/testing\/errors\.test\.ts:\d+: no setup for you \(plugin bad of bot bad@test\.local\)$/,
  );
});
