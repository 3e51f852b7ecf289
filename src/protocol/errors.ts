/** A request's correlation value: an unsigned integer below 2^53 or a text of at most 64 bytes. */
export type Ref = number | string;

/** Error codes of the Scalar v1 contract (protocol.md §4, `error`). */
export const ERROR_CODES = [
  "bad_frame",
  "bad_cbor",
  "bad_message",
  "unknown_type",
  "not_identified",
  "already_identified",
  "auth_failed",
  "bad_topic",
  "wrong_server",
  "forbidden",
  "not_subscribed",
  "rate_limited",
  "too_many_subscriptions",
  "slow_consumer",
  "timeout",
  "busy",
  "shutdown",
  "too_large",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes after which the server closes the connection. */
const FATAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "bad_frame",
  "bad_cbor",
  "slow_consumer",
  "timeout",
  "busy",
  "shutdown",
]);

export function isFatalCode(code: ErrorCode): boolean {
  return FATAL.has(code);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * The one error type of the protocol layer: every failure to frame, decode,
 * validate or name something carries the contract's error code, so the server
 * can answer with it and the runtime can report it.
 */
export class ScalarError extends Error {
  override readonly name = "ScalarError";
  readonly code: ErrorCode;
  readonly fatal: boolean;
  /** The request type this error answers, when known. */
  re: string | undefined;
  /** The request's `ref`, when it had a valid one. */
  ref: Ref | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; fatal?: boolean; re?: string; ref?: Ref },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fatal = options?.fatal ?? isFatalCode(code);
    this.re = options?.re;
    this.ref = options?.ref;
  }
}
