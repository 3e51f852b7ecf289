/**
 * The echo plugin's options, apart from the plugin: the configuration
 * checks them, and a bot runs the plugin (echo/plugin.ts) without zod.
 */
import { z } from "zod";

export const echoOptions = z
  .object({
    /** The command word that triggers an echo in a channel (default `!echo`). */
    command: z.string({ error: 'expected a command word like "!echo"' }).min(1).default("!echo"),
    /** Echo direct messages back to their sender (default true). */
    direct: z.boolean({ error: "expected true or false" }).default(true),
  })
  .strict();
export type EchoOptions = z.output<typeof echoOptions>;
