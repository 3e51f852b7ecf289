/**
 * `scalarbot/plugins`: the built-in plugins, each written against the
 * public bot API as a user's plugin would be, and that API itself (so a
 * plugin file needs one import: `definePlugin`, its types and `z` for an
 * options schema, and the webhook signature checks for `bot.http` routes).
 */
export { z } from "zod";
export * from "../bot/index.ts";
export {
  BodyTooLargeError,
  github as githubSignature,
  readBody,
  type SignatureScheme,
  signGitHub,
  signSlack,
  slack as slackSignature,
  type VerifiedOptions,
  verified,
} from "../http/signature.ts";
export { BUILTIN_PLUGINS, type BuiltinName, isBuiltin } from "./builtins.ts";
export { default as echo, echoOptions } from "./echo.ts";
export { default as github, describePullRequest, describePush, githubOptions } from "./github.ts";
export { helpOptions } from "./help-options.ts";
export { default as logger, JsonlLog, loggerOptions } from "./logger.ts";
export { default as responders, respondersOptions } from "./responders.ts";
export { default as scheduler, schedulerOptions } from "./scheduler.ts";
