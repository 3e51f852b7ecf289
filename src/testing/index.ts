/**
 * `scalarbot/testing`: test bots against a real server in the same process,
 * with users that await what they expect, a plugin clock the test moves,
 * and a close that fails on anything left open.
 *
 * @example
 * ```ts
 * import { createHarness } from "scalarbot/testing";
 * const h = await createHarness({ bots: [{ id: "greeter", topics: ["#general"], plugins: [greeter] }] });
 * const alice = await h.user("alice");
 * await alice.join("#general");
 * await alice.expectMessage({ from: "greeter", body: /Welcome, alice/ });
 * await h.close();
 * ```
 */
export { HarnessClock } from "./clock.ts";
export { type ErrorMatch, UnexpectedBotErrors } from "./errors.ts";
export {
  CommandExampleError,
  type ExampleRun,
  type ExamplesOptions,
  runCommandExamples,
} from "./examples.ts";
export { createHarness, Harness, HarnessLeakError, type HarnessOptions } from "./harness.ts";
export type { EventMatch, ReceivedEvent } from "./match.ts";
export type { BotSpec, PluginSpec } from "./setup.ts";
export { type ExpectOptions, TestUser } from "./user.ts";
