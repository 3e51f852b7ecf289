/**
 * The `responders` plugin: answers declared in YAML, no TypeScript needed.
 *
 * ```yaml
 * - use: responders
 *   with:
 *     rules:
 *       - hears: "/^hi (\\w+)/i"
 *         reply: "Hello {from.local}! ({1})"
 *         cooldown: 30
 *       - command: rules
 *         help: the channel rules
 *         reply: "Be nice."
 *         topics: ["#general"]
 * ```
 *
 * Rules are tried in order and the first that matches answers. Live
 * messages of others only.
 *
 * This is the plugin with its options schema, for a bot in code; a bot of
 * a configuration runs responders/plugin.ts, given options checked already.
 */
import { definePlugin } from "../bot/index.ts";
import { type RespondersOptions, respondersOptions } from "./responders/options.ts";
import responders from "./responders/plugin.ts";

export {
  type FormStep,
  type ResponderRule,
  type RespondersOptions,
  respondersOptions,
} from "./responders/options.ts";
export { sameTopic } from "./responders/plugin.ts";

export default definePlugin<RespondersOptions>({ ...responders, options: respondersOptions });
