/**
 * The github plugin's options, apart from the plugin: the configuration
 * checks them, and a bot runs github/plugin.ts without zod.
 */
import { z } from "zod";

/** The events the plugin can post. */
export const GITHUB_EVENTS = ["push", "pull_request"] as const;

export const githubOptions = z
  .object({
    /** Where the messages go. */
    channel: z.string({ error: 'expected a channel like "#dev"' }).min(1),
    /** The webhook's secret, as set on GitHub (use `${GITHUB_WEBHOOK_SECRET}`). */
    secret: z.string({ error: "expected the webhook's secret" }).min(1, {
      error: "expected the webhook's secret (not empty)",
    }),
    /** The route, under `/bots/<bot id>` (default `/github`). */
    path: z
      .string({ error: 'expected a path like "/github"' })
      .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, {
        error: 'expected a path like "/github"',
      })
      .default("/github"),
    /** Which events to post (default both). */
    events: z
      .array(z.enum(GITHUB_EVENTS, { error: "expected push or pull_request" }))
      .default([...GITHUB_EVENTS]),
    /** Commits listed under a push (default 3; the rest are counted). */
    commits: z
      .number({ error: "expected a count of commits" })
      .int({ error: "expected a whole count of commits" })
      .min(0, { error: "expected a count of commits (0 to 20)" })
      .max(20, { error: "expected a count of commits (0 to 20)" })
      .default(3),
  })
  .strict();
export type GithubOptions = z.output<typeof githubOptions>;
