/**
 * The reload plugin's options (none), apart from the plugin: the
 * configuration checks them, and a bot runs reload/plugin.ts without zod.
 */
import { z } from "zod";

export const reloadOptions = z.object({}).strict();
