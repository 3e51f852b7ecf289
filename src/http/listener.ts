/**
 * The process's one HTTP listener (Bun's own server): `/healthz`,
 * `/readyz`, `/metrics` and the plugin routes under `/bots/<bot id>/`.
 */
import type { Server } from "bun";
import type { Bot } from "../bot/bot.ts";
import { BOTS_PREFIX, handleBotRequest } from "./bot-routes.ts";
import type { Metrics } from "./metrics.ts";
import { readiness } from "./readiness.ts";

export interface HttpOptions {
  /** Default 127.0.0.1: metrics and webhooks are not for the whole network unless asked. */
  host?: string;
  /** 0 takes a free port (see `port` of the result). */
  port: number;
  /** The bots now (the list changes when one is restarted). */
  bots: () => readonly Bot[];
  /** Served at `/metrics` (404 without). */
  metrics?: Metrics;
  /** Largest request body of any route, in bytes (default 16 MiB); `verified` routes have their own. */
  maxRequestBodySize?: number;
}

export interface HttpListener {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Stops listening; requests in progress are cut. */
  stop(): Promise<void>;
}

/** The listener could not start: the address is named, and what went wrong. */
export class HttpListenError extends Error {
  override readonly name = "HttpListenError";
  constructor(
    readonly code: "address_in_use" | "listen_failed",
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function plain(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** Answers one request (exported for tests that want no socket). */
export async function handleRequest(options: HttpOptions, request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path.startsWith(BOTS_PREFIX)) return handleBotRequest(options.bots(), request, path);
  const known = path === "/healthz" || path === "/readyz" || path === "/metrics";
  if (!known)
    return plain(404, `no ${path} here (try /healthz, /readyz, /metrics or /bots/<id>/…)`);
  if (request.method !== "GET" && request.method !== "HEAD") {
    return plain(405, `${path} answers GET only`, { allow: "GET, HEAD" });
  }
  switch (path) {
    case "/healthz":
      return plain(200, "ok");
    case "/readyz": {
      const state = readiness(options.bots());
      return new Response(`${JSON.stringify(state)}\n`, {
        status: state.ready ? 200 : 503,
        headers: JSON_HEADERS,
      });
    }
    default: {
      const { metrics } = options;
      if (metrics === undefined) return plain(404, "metrics are off");
      return new Response(await metrics.text(), {
        headers: { "content-type": metrics.contentType },
      });
    }
  }
}

/** Starts listening. @throws HttpListenError */
export function startHttp(options: HttpOptions): HttpListener {
  const host = options.host ?? "127.0.0.1";
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname: host,
      port: options.port,
      maxRequestBodySize: options.maxRequestBodySize ?? 16 * 1024 * 1024,
      fetch: (request) => handleRequest(options, request),
      error: () => plain(500, "internal error"),
    });
  } catch (error) {
    const inUse = String((error as { code?: unknown })?.code ?? error).includes("EADDRINUSE");
    throw new HttpListenError(
      inUse ? "address_in_use" : "listen_failed",
      `the http listener cannot listen on ${host}:${options.port}${inUse ? " (the port is in use: set http.port)" : `: ${(error as Error)?.message ?? error}`}`,
      error,
    );
  }
  const port = server.port ?? options.port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${shown}:${port}`,
    stop: () => server.stop(true),
  };
}
