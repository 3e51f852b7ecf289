const encoder = new TextEncoder();

/**
 * A message body that fits one event with room to spare: an event may encode
 * to 15870 bytes (protocol.md, `too_large`), and topic, sender, seq and time
 * take at most about 600 of them.
 */
export const MAX_BODY_BYTES = 15_000;

/**
 * Splits `text` into parts of at most `maxBytes` UTF-8 bytes each, never
 * inside a character (surrogate pairs stay together). A part ends after the
 * last newline or space of its window when one is in the window's second
 * half, so words are not cut when they need not be.
 */
export function splitText(text: string, maxBytes = MAX_BODY_BYTES): string[] {
  if (maxBytes < 4) throw new RangeError("maxBytes must be at least 4 (one UTF-8 character)");
  if (encoder.encode(text).length <= maxBytes) return [text];
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let bytes = 0;
    let end = start;
    let lastBreak = -1;
    while (end < text.length) {
      const code = text.codePointAt(end)!;
      const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (bytes + width > maxBytes) break;
      bytes += width;
      end += code >= 0x10000 ? 2 : 1;
      if (code === 0x0a || code === 0x20) lastBreak = end;
    }
    if (end < text.length && lastBreak > start && bytes > maxBytes / 2) {
      const breakBytes = encoder.encode(text.slice(start, lastBreak)).length;
      if (breakBytes >= maxBytes / 2) end = lastBreak;
    }
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}
