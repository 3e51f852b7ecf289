/**
 * The options of the built-in `help` (the plugin is the bot layer's, which
 * every bot with a command gets and which runs without zod): what the
 * configuration checks for `use: help`.
 */
import { z } from "zod";
import type { HelpOptions } from "../bot/index.ts";

export const helpOptions: z.ZodType<HelpOptions> = z
  .object({
    /** Answer near-miss unknown commands with "did you mean" (default true). */
    suggest: z.boolean({ error: "expected true or false" }).default(true),
  })
  .strict();
