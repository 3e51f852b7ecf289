/**
 * The logger's options, apart from the plugin: the configuration checks them
 * for every bot, and only a bot that logs loads the logger and the archive.
 */
import { z } from "zod";
import { parseDuration } from "../../archive/time.ts";

const DAY_MS = 86_400_000;

export const loggerOptions = z
  .object({
    /** Folder of the log files (relative to the configuration file). */
    dir: z.string({ error: "expected a folder path" }).min(1, { error: "expected a folder path" }),
    /** Topics to log; default every configured topic of the bot. */
    topics: z.array(z.string()).optional(),
    /** fsync the lines before the runtime saves its cursors (default true). */
    fsync: z.boolean({ error: "expected true or false" }).default(true),
    /** Keep the archive's search index beside the files (default true). */
    index: z.boolean({ error: "expected true or false" }).default(true),
    /** Delete day files older than this (`90d`, `12w`; at least a day), with their index rows. */
    retain: z
      .string({ error: 'expected a duration like "90d"' })
      .refine((v) => (parseDuration(v) ?? 0) >= DAY_MS, {
        error: 'expected a duration of at least a day, like "90d" or "12w"',
      })
      .optional(),
    /** Leave out messages whose body starts with `[nolog]` (default true). */
    nolog: z.boolean({ error: "expected true or false" }).default(true),
    /**
     * Serve the archive's web viewer at `/bots/<bot id>/` of the configuration's
     * `http:` listener (default false); `{ token }` requires that access token.
     */
    web: z
      .union([z.boolean(), z.object({ token: z.string().min(1) }).strict()], {
        error: "expected true, false or { token: TEXT }",
      })
      .default(false),
  })
  .strict();
export type LoggerOptions = z.output<typeof loggerOptions>;
