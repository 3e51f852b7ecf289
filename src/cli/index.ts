/**
 * The `scalar` command (`src/cli.ts` wires it): one module a subcommand
 * (`run`, `validate`, `init`, `send`, `tail`, `chat`; `scalar server` is
 * the server's own), and the runner that starts an embedded server and a
 * configuration's bots together in one process.
 */
export { registerRuntimeCommands } from "./commands.ts";
export { Runner, type RunnerOptions } from "./runner.ts";
