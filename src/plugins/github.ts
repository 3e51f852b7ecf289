/**
 * The `github` plugin: a webhook route (`POST /bots/<bot id>/github`) that
 * posts pushes and pull requests to a channel. Every delivery's
 * `X-Hub-Signature-256` is checked against the shared secret; one that
 * fails never gets further (401). GitHub's `ping` is answered, other
 * events are acknowledged and left alone. The message is queued and the
 * delivery answered 202 at once, so a bot waiting for its server does not
 * make GitHub time out.
 *
 * This is the plugin with its options schema, for a bot in code; a bot of
 * a configuration runs github/plugin.ts, given options checked already.
 */
import { definePlugin } from "../bot/index.ts";
import { type GithubOptions, githubOptions } from "./github/options.ts";
import githubPlugin from "./github/plugin.ts";

export { GITHUB_EVENTS, type GithubOptions, githubOptions } from "./github/options.ts";
export { describePullRequest, describePush } from "./github/plugin.ts";

export default definePlugin<GithubOptions>({ ...githubPlugin, options: githubOptions });
