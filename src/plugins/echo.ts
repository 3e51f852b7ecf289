/**
 * The `echo` plugin: answers `!echo some text` with `some text` (in a
 * channel or a direct message), and echoes every other direct message back
 * to its sender, except commands: a direct `!help` gets the help, not an
 * echo too. Live messages only (no answers to replayed history), never its
 * own. A command word made of the bot's prefix and a name is a command
 * (listed by `!help`); any other word is matched as written.
 *
 * This is the plugin with its options schema, for a bot in code; a bot of
 * a configuration runs echo/plugin.ts, given options checked already.
 */
import { definePlugin } from "../bot/index.ts";
import { type EchoOptions, echoOptions } from "./echo/options.ts";
import echo from "./echo/plugin.ts";

export { type EchoOptions, echoOptions } from "./echo/options.ts";
export { echoText } from "./echo/plugin.ts";

export default definePlugin<EchoOptions>({ ...echo, options: echoOptions });
