/**
 * Cutting client-supplied text down to size, for the places where the
 * server repeats it: error replies (which must fit one frame) and log lines
 * (which must not let one client write megabytes of log).
 */

/** Longest `message` of an error reply, in UTF-8 bytes. */
export const MAX_ERROR_MESSAGE_BYTES = 512;
/** Longest `re` of an error reply: as long as a `ref` may be. */
export const MAX_ERROR_RE_BYTES = 64;
/** Longest text field of a log line. */
export const MAX_LOG_TEXT_BYTES = 256;

const encoder = new TextEncoder();
const ELLIPSIS = "…";
const ELLIPSIS_BYTES = 3;

/**
 * `text` if its UTF-8 form has at most `maxBytes` bytes; otherwise its
 * longest prefix of whole characters that, with a closing "…", fits.
 */
export function clipText(text: string, maxBytes: number): string {
  // A character is at most 3 UTF-8 bytes per UTF-16 unit, so short texts
  // need no encoding to know they fit.
  if (text.length * 3 <= maxBytes) return text;
  if (text.length > maxBytes) return cut(text, maxBytes);
  const bytes = encoder.encode(text).length;
  return bytes <= maxBytes ? text : cut(text, maxBytes);
}

function cut(text: string, maxBytes: number): string {
  const room = new Uint8Array(Math.max(0, maxBytes - ELLIPSIS_BYTES));
  // encodeInto stops before a character that does not fit whole.
  const { read } = encoder.encodeInto(text, room);
  return text.slice(0, read) + ELLIPSIS;
}
