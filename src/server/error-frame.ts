import type { Ref } from "../protocol/index.ts";
import { clipText, MAX_ERROR_MESSAGE_BYTES, MAX_ERROR_RE_BYTES } from "./clip.ts";
import { encodeErrorFrame } from "./wire.ts";

/** Encodes an `error` reply as a whole frame. */
export function errorFrame(
  code: string,
  message: string,
  fatal: boolean,
  re: string | undefined,
  ref: Ref | undefined,
): Uint8Array {
  // Both may echo what the client sent: clipped, the reply always fits a frame.
  return encodeErrorFrame(
    code,
    clipText(message, MAX_ERROR_MESSAGE_BYTES),
    fatal,
    re === undefined ? undefined : clipText(re, MAX_ERROR_RE_BYTES),
    ref,
  );
}
