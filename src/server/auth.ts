import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseId } from "../protocol/index.ts";

/**
 * Token mode: a file maps IDs to token hashes, one per line:
 *
 *     # comments and blank lines are ignored
 *     alice@example.com sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b
 *     bot                sha256:…      (short IDs mean the server's domain)
 *
 * The hash is SHA-256 of the token's bytes (a text token: its UTF-8), in hex.
 * Create one with `printf %s "$TOKEN" | sha256sum`. The file never holds
 * tokens themselves.
 */
export type TokenTable = Map<string, Uint8Array>;

const HASH = /^sha256:([0-9a-f]{64})$/i;

/** Parses a tokens file's text; throws an Error naming the bad line. */
export function parseTokens(text: string, domain: string): TokenTable {
  const table: TokenTable = new Map();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [id, hash, ...rest] = line.split(/\s+/);
    if (id === undefined || hash === undefined || rest.length > 0) {
      throw new Error(`line ${i + 1}: expected "ID sha256:HEX"`);
    }
    table.set(normalizeId(id, domain, i + 1), parseHash(hash, i + 1));
  }
  return table;
}

/** Loads a tokens file, or converts an `id -> "sha256:hex"` map. */
export function loadTokens(source: string | Map<string, string>, domain: string): TokenTable {
  if (typeof source === "string") return parseTokens(readFileSync(source, "utf8"), domain);
  const table: TokenTable = new Map();
  let line = 0;
  for (const [id, hash] of source) {
    line++;
    table.set(normalizeId(id, domain, line), parseHash(hash, line));
  }
  return table;
}

function normalizeId(id: string, domain: string, line: number): string {
  try {
    return parseId(id, domain).full;
  } catch {
    throw new Error(`line ${line}: ${JSON.stringify(id)} is not an ID`);
  }
}

function parseHash(hash: string, line: number): Uint8Array {
  const match = HASH.exec(hash);
  if (match === null) throw new Error(`line ${line}: the hash must be sha256:<64 hex digits>`);
  return Uint8Array.from(Buffer.from(match[1]!, "hex"));
}

/** SHA-256 of a token as `identify` carries it (text or bytes). */
export function hashToken(token: string | Uint8Array): Uint8Array {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(token);
  return new Uint8Array(hasher.digest());
}

/**
 * Checks a presented token against the table in constant time (for a known
 * ID; an unknown ID is compared against a dummy so timing does not tell).
 */
export function verifyToken(
  table: TokenTable,
  id: string,
  token: string | Uint8Array | undefined,
): boolean {
  const expected = table.get(id);
  const presented = hashToken(token ?? "");
  const equal = timingSafeEqual(presented, expected ?? DUMMY);
  return equal && expected !== undefined && token !== undefined;
}

const DUMMY = new Uint8Array(32);
