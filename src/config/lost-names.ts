/**
 * `topics: [#general]` written unquoted: YAML reads everything from `#` on
 * as a comment, so the list comes out empty (or the file does not parse).
 * Such comments are found where a value was due, and the text is repaired
 * by quoting them, so the rest of the file can still be checked in the same
 * pass while the author is told to quote.
 */
import { CST, Lexer } from "yaml";

/** A comment that stands where a value was expected. */
export interface LostComment {
  /** Offset of its `#` in the text. */
  offset: number;
  /** The comment from `#` to the end of its line. */
  text: string;
  /** Inside `[…]` or `{…}`: its names are the items, up to `,` or a bracket. */
  flow: boolean;
}

/** Lexer tokens that mark structure without being text of the file. */
const CONTROL = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);
/** Tokens after which a value is due on the same line. */
const VALUE_DUE = new Set([
  "flow-seq-start",
  "flow-map-start",
  "comma",
  "map-value-ind",
  "seq-item-ind",
  "explicit-key-ind",
]);

/** Comments like `#general` (no space after the `#`) right where a value was due. */
export function findValueComments(text: string): LostComment[] {
  const found: LostComment[] = [];
  let offset = 0;
  let previous: string | undefined;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (CONTROL.has(token)) continue;
    const type = CST.tokenType(token);
    if (type === "flow-seq-start" || type === "flow-map-start") depth++;
    if (type === "flow-seq-end" || type === "flow-map-end") depth = Math.max(0, depth - 1);
    if (type === "flow-error-end") depth = 0;
    if (type === "comment" && /^#[^\s#]/.test(token) && previous && VALUE_DUE.has(previous)) {
      found.push({ offset, text: token.trimEnd(), flow: depth > 0 });
    }
    if (type !== "space" && type !== null) previous = type;
    offset += token.length;
  }
  return found;
}

/** A quoted value put back in place of a lost comment, at its offset in the repaired text. */
export interface RepairedValue {
  offset: number;
  value: string;
}

/** The text with each given comment's values quoted, and where each value now starts. */
export function quoteLost(
  text: string,
  comments: readonly LostComment[],
): { text: string; values: RepairedValue[] } {
  let out = "";
  let from = 0;
  const values: RepairedValue[] = [];
  for (const comment of [...comments].sort((a, b) => a.offset - b.offset)) {
    out += text.slice(from, comment.offset);
    if (!comment.flow) {
      values.push({ offset: out.length, value: comment.text });
      out += JSON.stringify(comment.text);
    } else {
      // `#general, #dev] }` becomes `"#general", "#dev"] }`: names quoted, the brackets kept.
      let at = 0;
      for (const match of comment.text.matchAll(/#[^\s,[\]{}#]+/g)) {
        out += comment.text.slice(at, match.index);
        values.push({ offset: out.length, value: match[0] });
        out += JSON.stringify(match[0]);
        at = match.index + match[0].length;
      }
      out += comment.text.slice(at);
    }
    from = comment.offset + comment.text.length;
  }
  out += text.slice(from);
  return { text: out, values };
}
