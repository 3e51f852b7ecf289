/**
 * Plugin routes as served: `/bots/<bot id>/<path>` finds the bot (by its
 * full ID, or the local part alone) and its route, and calls the handler.
 * A handler that throws is reported against its plugin and answered 500.
 * The listener and the test harness both go through here.
 */
import type { Bot } from "../bot/bot.ts";

export const BOTS_PREFIX = "/bots/";

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** The bot a `/bots/<id>` segment names. */
export function findBot(bots: readonly Bot[], segment: string): Bot | undefined {
  let id: string;
  try {
    id = decodeURIComponent(segment).toLowerCase();
  } catch {
    return undefined;
  }
  return (
    bots.find((b) => b.id.toLowerCase() === id) ??
    (id.includes("@") ? undefined : bots.find((b) => b.id.toLowerCase().startsWith(`${id}@`)))
  );
}

/** Answers a request whose path starts with `/bots/`. */
export async function handleBotRequest(
  bots: readonly Bot[],
  request: Request,
  path: string = new URL(request.url).pathname,
): Promise<Response> {
  const rest = path.slice(BOTS_PREFIX.length);
  const slash = rest.indexOf("/");
  const segment = slash < 0 ? rest : rest.slice(0, slash);
  const routePath = slash < 0 ? "/" : rest.slice(slash);
  const bot = findBot(bots, segment);
  if (bot === undefined) return text(404, `no bot ${segment} here`);
  const found = bot.routes.match(request.method, routePath);
  if (found.type === "none") {
    return text(404, `${bot.id} has no route ${routePath}`);
  }
  if (found.type === "method") {
    return text(405, `${bot.id} answers ${routePath} to ${found.allowed.join(", ")} only`, {
      allow: found.allowed.join(", "),
    });
  }
  const { route, params } = found;
  try {
    const response: unknown = await route.handler(request, { ...route.context, params });
    if (response instanceof Response) return response;
    throw new TypeError(
      `the handler returned ${response === null ? "null" : typeof response}, not a Response`,
    );
  } catch (error) {
    route.failed(error);
    return text(500, `${route.method} ${route.path} failed; the bot's log says why`);
  }
}

/**
 * A request to one bot's route without a socket (the harness's
 * `h.request`): `body` is sent as is, or as JSON when it is a plain object.
 */
export function botRequest(
  bot: Bot,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const plain =
    body !== null && typeof body === "object" && Object.getPrototypeOf(body) === Object.prototype;
  const init: RequestInit = {
    method,
    headers: plain ? { "content-type": "application/json", ...headers } : headers,
  };
  if (body !== undefined) init.body = plain ? JSON.stringify(body) : (body as RequestInit["body"]);
  const url = `http://scalarbot.test${BOTS_PREFIX}${encodeURIComponent(bot.id)}${path.startsWith("/") ? path : `/${path}`}`;
  const request = new Request(url, init);
  return handleBotRequest([bot], request);
}
