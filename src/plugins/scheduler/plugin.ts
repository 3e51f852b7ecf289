/**
 * The `scheduler` plugin as a bot runs it, without its options schema
 * (options.ts; ../scheduler.ts joins the two): announcements declared in
 * YAML, sent on a cron expression or every so often.
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
 */
import { definePlugin } from "../../bot/index.ts";
import type { SchedulerOptions } from "./options.ts";

export default definePlugin<SchedulerOptions>({
  name: "scheduler",
  setup(bot, { announcements }) {
    for (const a of announcements) {
      bot.every(a.every, (tick) => tick.send(a.topic, a.text), {
        ...(a.timezone === undefined ? {} : { timezone: a.timezone }),
      });
      const zone = a.timezone === undefined ? "" : ` (${a.timezone})`;
      bot.log.info(`announcing to ${a.topic} every ${JSON.stringify(a.every)}${zone}`);
    }
  },
});
