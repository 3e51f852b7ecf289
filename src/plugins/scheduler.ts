/**
 * The `scheduler` plugin: announcements declared in YAML, sent on a cron
 * expression or every so often.
 *
 * ```yaml
 * - use: scheduler
 *   with:
 *     announcements:
 *       - every: "0 9 * * 1-5"
 *         timezone: Europe/Paris
 *         topic: "#general"
 *         text: stand-up!
 *       - every: 2h
 *         topic: "#dev"
 *         text: stretch your legs
 * ```
 *
 * This is the plugin with its options schema, for a bot in code; a bot of
 * a configuration runs scheduler/plugin.ts, given options checked already.
 */
import { definePlugin } from "../bot/index.ts";
import { type SchedulerOptions, schedulerOptions } from "./scheduler/options.ts";
import scheduler from "./scheduler/plugin.ts";

export { type SchedulerOptions, schedulerOptions } from "./scheduler/options.ts";

export default definePlugin<SchedulerOptions>({ ...scheduler, options: schedulerOptions });
