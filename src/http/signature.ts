/**
 * Webhook signatures: a route handler wrapped by `verified` gets only
 * requests whose body (read up to a size limit) carries a valid HMAC of the
 * shared secret; any other request is answered 401 (413 past the limit)
 * and never reaches it. Digests are compared in constant time.
 *
 * @example
 * ```ts
 * bot.http.post("/github", verified(github(secret), async (request) => {
 *   const event = await request.json();
 *   …
 *   return new Response("ok");
 * }));
 * ```
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { RouteContext, RouteHandler } from "../bot/routes.ts";

/** A body past the limit, or a declared `Content-Length` past it. */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  readonly code = "body_too_large";
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

/** Reads a request's body, refusing more than `maxBytes` without reading past it. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** How one kind of sender signs its requests. */
export interface SignatureScheme {
  readonly name: string;
  /** Undefined when the request is authentic; else why not (for the 401 and the log). */
  check(headers: Headers, body: Uint8Array, nowMs: number): string | undefined;
}

type Secrets = string | readonly string[];

function secretList(secrets: Secrets, scheme: string): string[] {
  const list = typeof secrets === "string" ? [secrets] : [...secrets];
  if (list.length === 0 || list.some((s) => typeof s !== "string" || s === "")) {
    throw new TypeError(`${scheme}: expected a non-empty secret (or a list of them, for rotation)`);
  }
  return list;
}

function hmac(secret: string, ...parts: (string | Uint8Array)[]): Buffer {
  const mac = createHmac("sha256", secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Whether `hex` is the HMAC of one of `secrets`, compared in constant time. */
function matches(hex: string, secrets: string[], parts: (string | Uint8Array)[]): boolean {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const given = Buffer.from(hex, "hex");
  let ok = false;
  // Every secret is tried, so the time does not tell which one matched.
  for (const secret of secrets) {
    if (timingSafeEqual(hmac(secret, ...parts), given)) ok = true;
  }
  return ok;
}

/**
 * GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
 * GitHub sends no timestamp, so there is no replay window: a redelivery is
 * the same request (tell them apart by `X-GitHub-Delivery`).
 */
export function github(secret: Secrets): SignatureScheme {
  const secrets = secretList(secret, "github");
  return {
    name: "github",
    check(headers, body) {
      const header = headers.get("x-hub-signature-256");
      if (header === null) return "no X-Hub-Signature-256 header";
      if (!header.startsWith("sha256=")) return "X-Hub-Signature-256 is not sha256=<hex>";
      return matches(header.slice("sha256=".length), secrets, [body])
        ? undefined
        : "X-Hub-Signature-256 does not match the body";
    },
  };
}

export interface SlackOptions {
  /** How far the request's timestamp may be from now, in seconds (default 300). */
  window?: number;
}

/**
 * Slack's scheme: `X-Slack-Signature: v0=<hex HMAC-SHA256 of
 * "v0:<timestamp>:<body>">` with `X-Slack-Request-Timestamp` in seconds;
 * a timestamp more than `window` seconds from now is refused, so a
 * captured request cannot be replayed later.
 */
export function slack(secret: Secrets, options: SlackOptions = {}): SignatureScheme {
  const secrets = secretList(secret, "slack");
  const window = options.window ?? 300;
  return {
    name: "slack",
    check(headers, body, nowMs) {
      const stamp = headers.get("x-slack-request-timestamp");
      const header = headers.get("x-slack-signature");
      if (stamp === null) return "no X-Slack-Request-Timestamp header";
      if (header === null) return "no X-Slack-Signature header";
      if (!/^\d{1,12}$/.test(stamp)) return "X-Slack-Request-Timestamp is not a time in seconds";
      const age = nowMs / 1000 - Number(stamp);
      if (Math.abs(age) > window) {
        return `X-Slack-Request-Timestamp is ${Math.round(Math.abs(age))} s ${age > 0 ? "old" : "ahead"} (the window is ${window} s): a replay, or a clock off`;
      }
      if (!header.startsWith("v0=")) return "X-Slack-Signature is not v0=<hex>";
      return matches(header.slice(3), secrets, [`v0:${stamp}:`, body])
        ? undefined
        : "X-Slack-Signature does not match the timestamp and body";
    },
  };
}

/** The `X-Hub-Signature-256` value GitHub would send for `body` (for tests and senders). */
export function signGitHub(secret: string, body: string | Uint8Array): string {
  return `sha256=${hmac(secret, body).toString("hex")}`;
}

/** The Slack headers for `body` sent at `timestampSeconds` (default now). */
export function signSlack(
  secret: string,
  body: string | Uint8Array,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<"x-slack-signature" | "x-slack-request-timestamp", string> {
  const stamp = String(timestampSeconds);
  return {
    "x-slack-signature": `v0=${hmac(secret, `v0:${stamp}:`, body).toString("hex")}`,
    "x-slack-request-timestamp": stamp,
  };
}

export interface VerifiedOptions {
  /** Largest body accepted, in bytes (default 1 MiB); past it the answer is 413. */
  maxBytes?: number;
  /** Time for replay windows (default `Date.now`). */
  now?: () => number;
}

export const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * Wraps `handler`: the body is read (at most `maxBytes`) and checked with
 * `scheme`; the handler gets a request with the same method, URL, headers
 * and body only when it is authentic.
 */
export function verified(
  scheme: SignatureScheme,
  handler: RouteHandler,
  options: VerifiedOptions = {},
): RouteHandler {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY;
  const now = options.now ?? Date.now;
  return async (request: Request, ctx: RouteContext) => {
    let body: Uint8Array;
    try {
      body = await readBody(request, maxBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return new Response(`${error.message}\n`, { status: 413 });
    }
    const refused = scheme.check(request.headers, body, now());
    if (refused !== undefined) {
      const path = new URL(request.url).pathname;
      ctx.log.warn(`${request.method} ${path}: ${scheme.name} signature refused: ${refused}`);
      return new Response(`signature check failed: ${refused}\n`, {
        status: 401,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const checked = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: hasBody ? body : null,
    });
    return handler(checked, ctx);
  };
}
