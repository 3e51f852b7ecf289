import type { ErrorCode, Ref } from "../protocol/index.ts";

/**
 * The client's error taxonomy: one class per failure, `name` set, `cause`
 * kept.
 */

/** The server could not be reached (refused, unresolvable, timed out). */
export class ConnectError extends Error {
  override readonly name = "ConnectError";
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(`cannot connect to ${address}: ${describeCause(cause)}`, { cause });
  }
}

/** The connection ended while a request was waiting for its reply. */
export class ConnectionClosedError extends Error {
  override readonly name = "ConnectionClosedError";
  constructor(reason?: string, cause?: unknown) {
    super(reason ?? "connection closed", cause === undefined ? undefined : { cause });
  }
}

/** The server answered a request with `error`. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(
    readonly code: ErrorCode,
    /** The server's own words. */
    readonly detail: string,
    readonly request: string,
    readonly fatal = false,
    readonly ref?: Ref,
  ) {
    super(`${request}: ${code}: ${detail}`);
  }
}

/** The server refused a topic for good (forbidden, bad name, too many, another domain). */
export class SubscribeError extends Error {
  override readonly name = "SubscribeError";
  constructor(
    readonly client: string,
    readonly topic: string,
    readonly refusal: RequestError,
  ) {
    super(`${client}: cannot subscribe to ${topic}: ${refusal.code}: ${refusal.detail}`, {
      cause: refusal,
    });
  }

  get code(): string {
    return this.refusal.code;
  }
}

/** The runtime itself hit a problem it recovers from (catch-up, send). */
export class RuntimeError extends Error {
  override readonly name = "RuntimeError";
  constructor(message: string, cause?: unknown) {
    super(
      cause === undefined ? message : `${message}: ${describeCause(cause)}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** One line for an unknown thrown value, OS error codes included. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" && !cause.message.includes(code)
      ? `${cause.message} (${code})`
      : cause.message;
  }
  return String(cause);
}
