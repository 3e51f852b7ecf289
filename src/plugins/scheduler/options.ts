/**
 * The scheduler plugin's options, apart from the plugin: the configuration
 * checks them (each schedule parsed), and a bot runs scheduler/plugin.ts
 * without zod.
 */
import { z } from "zod";
import { parseSchedule } from "../../bot/index.ts";

const announcementSchema = z
  .object({
    /** A cron expression (`0 9 * * 1-5`) or a duration (`30m`, `2h`, `1d`). */
    every: z.string({
      error: 'expected a cron expression like "0 9 * * 1-5" or a duration like "2h"',
    }),
    /** IANA time zone of a cron expression (default the process's local time). */
    timezone: z.string().optional(),
    /** Where to send it: a channel, or an ID for a direct message. */
    topic: z.string({ error: 'expected a topic like "#general"' }).min(1),
    text: z.string({ error: "expected the text to send" }).min(1),
  })
  .strict()
  .superRefine((a, ctx) => {
    try {
      parseSchedule(a.every, a.timezone);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["every"], message: (error as Error).message });
    }
  });

export const schedulerOptions = z
  .object({
    announcements: z
      .array(announcementSchema, { error: "expected a list of announcements" })
      .min(1, { error: "expected at least one announcement" }),
  })
  .strict();
export type SchedulerOptions = z.output<typeof schedulerOptions>;
