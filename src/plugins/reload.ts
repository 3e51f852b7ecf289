/**
 * The `reload` plugin: `!reload [plugin]`, for the bot's `admins` only,
 * loads the bot's plugins (or the one named) again from disk while it
 * runs — their options as the configuration file now says — and answers
 * what changed, or why a plugin runs on as it was (file:line). Others are
 * refused as any admin-only command refuses them.
 *
 * This is the plugin with its options schema, for a bot in code; a bot of
 * a configuration runs reload/plugin.ts, given options checked already.
 */
import { definePlugin } from "../bot/index.ts";
import { reloadOptions } from "./reload/options.ts";
import reload from "./reload/plugin.ts";

export { reloadOptions } from "./reload/options.ts";
export { describeReload } from "./reload/plugin.ts";

export default definePlugin({ ...reload, options: reloadOptions });
