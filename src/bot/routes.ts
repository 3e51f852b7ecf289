/**
 * A bot's HTTP routes (`bot.http.post("/github", handler)`): a plain table
 * of method, path and handler per plugin, kept by the bot and dropped with
 * the plugin. The bot serves nothing itself: the HTTP layer (src/http)
 * mounts each bot's table under `/bots/<bot id>/` and calls `match`.
 */
import type { BotApi, Log } from "./api.ts";
import type { Store } from "./store.ts";

export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** What a route handler gets besides the request. */
export interface RouteContext {
  /** The plugin's view of the bot: `send`, `dm`, `history`. */
  readonly bot: BotApi;
  /** The plugin's store. */
  readonly store: Store;
  readonly log: Log;
  /** Values of the path's `:name` segments, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

/** A standard `Request` in, a `Response` (or a promise of one) out. */
export type RouteHandler = (request: Request, ctx: RouteContext) => Response | Promise<Response>;

/**
 * Registers HTTP routes of the plugin, served under `/bots/<bot id>` when
 * the configuration has an `http` listener. Paths start with `/`; a
 * segment `:name` matches any one segment (`ctx.params.name`).
 *
 * @example
 * ```ts
 * bot.http.post("/ping", async (request) => {
 *   await bot.send("#ops", `ping: ${await request.text()}`);
 *   return new Response("pong");
 * });
 * ```
 */
export interface HttpRoutes {
  get(path: string, handler: RouteHandler): void;
  post(path: string, handler: RouteHandler): void;
  put(path: string, handler: RouteHandler): void;
  patch(path: string, handler: RouteHandler): void;
  delete(path: string, handler: RouteHandler): void;
}

/** One registered route. */
export interface Route {
  readonly plugin: string;
  readonly method: RouteMethod;
  readonly path: string;
  readonly handler: RouteHandler;
  /** The plugin's side of the context (`params` is added per request). */
  readonly context: Omit<RouteContext, "params">;
  /** Reports a throw of the handler against the plugin. */
  readonly failed: (error: unknown) => void;
}

export type RouteMatch =
  | { type: "found"; route: Route; params: Record<string, string> }
  /** The path is known, not with this method. */
  | { type: "method"; allowed: RouteMethod[] }
  | { type: "none" };

/** A path that is not a route path: thrown at registration, in the plugin's `setup`. */
export class RouteError extends Error {
  override readonly name = "RouteError";
  constructor(
    readonly code: "bad_path" | "duplicate_route",
    message: string,
  ) {
    super(message);
  }
}

const SEGMENT = /^(?::[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~!$&'()*+,;=@%-]+)$/;

/** The segments of a route path; throws RouteError for one that cannot match. */
function segments(method: string, path: string): string[] {
  const parts = path === "/" ? [] : path.split("/").slice(1);
  if (!path.startsWith("/") || parts.some((p) => !SEGMENT.test(p))) {
    throw new RouteError(
      "bad_path",
      `bot.http.${method.toLowerCase()}: "${path}" is not a route path (expected "/name" segments, ":param" for any one segment)`,
    );
  }
  return parts;
}

/** The routes of one bot, all plugins. */
export class RouteTable {
  private readonly routes: { route: Route; parts: string[] }[] = [];

  /** @throws RouteError for a bad path, or one another plugin registered with the same method. */
  add(route: Route): void {
    const parts = segments(route.method, route.path);
    const shape = parts.map((p) => (p.startsWith(":") ? ":" : p)).join("/");
    const clash = this.routes.find(
      (r) =>
        r.route.method === route.method &&
        r.parts.map((p) => (p.startsWith(":") ? ":" : p)).join("/") === shape,
    );
    if (clash !== undefined) {
      throw new RouteError(
        "duplicate_route",
        `${route.method} ${route.path} is registered twice: by plugin ${clash.route.plugin} (${clash.route.path}) and by plugin ${route.plugin}`,
      );
    }
    this.routes.push({ route, parts });
  }

  /** Drops every route of `plugin`. */
  remove(plugin: string): void {
    for (let i = this.routes.length - 1; i >= 0; i--) {
      if (this.routes[i]!.route.plugin === plugin) this.routes.splice(i, 1);
    }
  }

  /** Every route, in registration order. */
  list(): Route[] {
    return this.routes.map((r) => r.route);
  }

  /** The route for `method` and `path` (the part after `/bots/<bot id>`, not decoded). */
  match(method: string, path: string): RouteMatch {
    const parts = path === "/" || path === "" ? [] : path.split("/").slice(1);
    const allowed: RouteMethod[] = [];
    for (const { route, parts: pattern } of this.routes) {
      const params = matchParts(pattern, parts);
      if (params === undefined) continue;
      if (route.method === method || (method === "HEAD" && route.method === "GET")) {
        return { type: "found", route, params };
      }
      if (!allowed.includes(route.method)) allowed.push(route.method);
    }
    return allowed.length === 0 ? { type: "none" } : { type: "method", allowed };
  }
}

function matchParts(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = parts[i]!;
    if (want.startsWith(":")) {
      if (got === "") return undefined;
      try {
        params[want.slice(1)] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    } else if (want !== got) {
      return undefined;
    }
  }
  return params;
}

/** A plugin's `bot.http`: its registrations go into `table` under its name. */
export function pluginRoutes(
  table: RouteTable,
  plugin: string,
  context: Omit<RouteContext, "params">,
  failed: (route: string, error: unknown) => void,
  released: () => boolean,
): HttpRoutes {
  const add = (method: RouteMethod) => (path: string, handler: RouteHandler) => {
    if (typeof handler !== "function") {
      throw new TypeError(
        `bot.http.${method.toLowerCase()}("${path}"): expected a handler function`,
      );
    }
    if (released()) return;
    table.add({
      plugin,
      method,
      path,
      handler,
      context,
      failed: (error) => failed(`${method} ${path}`, error),
    });
  };
  return {
    get: add("GET"),
    post: add("POST"),
    put: add("PUT"),
    patch: add("PATCH"),
    delete: add("DELETE"),
  };
}
