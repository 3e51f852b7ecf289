/**
 * The HTTP side of `scalar run`: one listener a process with `/healthz`
 * (the process runs), `/readyz` (every bot connected, subscribed and
 * caught up), `/metrics` (Prometheus text, prom-client) and the bots'
 * plugin routes under `/bots/<bot id>/`; and the webhook signature checks
 * plugins wrap their routes in. The bot layer knows none of this: it keeps
 * a route table and lets observers watch (src/bot/routes.ts, observe.ts).
 * See docs/operations.md.
 */
export { BOTS_PREFIX, botRequest, findBot, handleBotRequest } from "./bot-routes.ts";
export {
  HttpListenError,
  type HttpListener,
  type HttpOptions,
  handleRequest,
  startHttp,
} from "./listener.ts";
export { Metrics } from "./metrics.ts";
export {
  type BotReadiness,
  type BotState,
  botReadiness,
  type Readiness,
  readiness,
} from "./readiness.ts";
export {
  BodyTooLargeError,
  DEFAULT_MAX_BODY,
  github,
  readBody,
  type SignatureScheme,
  type SlackOptions,
  signGitHub,
  signSlack,
  slack,
  type VerifiedOptions,
  verified,
} from "./signature.ts";
