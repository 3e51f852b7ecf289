import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseId } from "../protocol/index.ts";

/**
 * Token mode: a file maps IDs to token hashes, one per line:
 *
 *     # comments and blank lines are ignored
 *     alice@example.com $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
 *     bot                $argon2id$…    (short IDs mean the server's domain)
 *     old@example.com    sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b
 *
 * A hash is made with `scalar hash-token ID` (argon2id with a random salt,
 * what {@link makeTokenHash} writes); bcrypt (`$2b$…`) is read too. The
 * file never holds tokens themselves. Files of earlier versions, whose
 * hashes are unsalted SHA-256 of the token's bytes in hex, are still read
 * (the server warns about them at start).
 */
export type TokenTable = Map<string, TokenHash>;

/** One ID's stored hash. */
export type TokenHash =
  /** Argon2 or bcrypt, in its standard `$…$` form (salt and costs included). */
  | { kind: "slow"; encoded: string }
  /** The unsalted SHA-256 of earlier versions. */
  | { kind: "sha256"; digest: Uint8Array };

const SHA256 = /^sha256:([0-9a-f]{64})$/i;
const ARGON2 =
  /^\$argon2(?:id|i|d)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/**
 * Costs above these are refused: the server verifies at every identify, two
 * at a time, and argon2's memory cost is memory it takes (64 MiB here).
 */
const MAX_ARGON2_MEMORY_KIB = 64 * 1024;
const MAX_ARGON2_TIME = 10;
const MAX_BCRYPT_COST = 14;

/** What `scalar hash-token` writes: argon2id, 19 MiB, 2 passes (about 20 ms to verify). */
export const TOKEN_HASH_COST = { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 } as const;

/** Parses a tokens file's text; throws an Error naming the bad line. */
export function parseTokens(text: string, domain: string): TokenTable {
  const table: TokenTable = new Map();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [id, hash, ...rest] = line.split(/\s+/);
    if (id === undefined || hash === undefined || rest.length > 0) {
      throw new Error(`line ${i + 1}: expected "ID HASH" (a hash from \`scalar hash-token\`)`);
    }
    table.set(normalizeId(id, domain, i + 1), parseHash(hash, i + 1));
  }
  return table;
}

/** Loads a tokens file, or converts an `id -> hash` map (hashes as in the file). */
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

/** IDs whose hash is the unsalted SHA-256 of earlier versions. */
export function legacyIds(table: TokenTable): string[] {
  return [...table].filter(([, hash]) => hash.kind === "sha256").map(([id]) => id);
}

function normalizeId(id: string, domain: string, line: number): string {
  try {
    return parseId(id, domain).full;
  } catch {
    throw new Error(`line ${line}: ${JSON.stringify(id)} is not an ID`);
  }
}

function parseHash(hash: string, line: number): TokenHash {
  const sha = SHA256.exec(hash);
  if (sha !== null) return { kind: "sha256", digest: Uint8Array.from(Buffer.from(sha[1]!, "hex")) };
  const argon = ARGON2.exec(hash);
  if (argon !== null) {
    if (Number(argon[1]) > MAX_ARGON2_MEMORY_KIB || Number(argon[2]) > MAX_ARGON2_TIME) {
      throw new Error(
        `line ${line}: the argon2 cost is above m=${MAX_ARGON2_MEMORY_KIB},t=${MAX_ARGON2_TIME}, too slow to check at every identify`,
      );
    }
    return { kind: "slow", encoded: hash };
  }
  const bcrypt = BCRYPT.exec(hash);
  if (bcrypt !== null) {
    if (Number(bcrypt[1]) > MAX_BCRYPT_COST) {
      throw new Error(`line ${line}: the bcrypt cost is above ${MAX_BCRYPT_COST}`);
    }
    return { kind: "slow", encoded: hash };
  }
  throw new Error(
    `line ${line}: the hash must come from \`scalar hash-token\` ($argon2id$…), or be bcrypt or sha256:<64 hex digits>`,
  );
}

/** SHA-256 of a token as `identify` carries it (text or bytes): the hash of earlier versions. */
export function hashToken(token: string | Uint8Array): Uint8Array {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(token);
  return new Uint8Array(hasher.digest());
}

/** A salted, slow hash of a token for a tokens file (argon2id, see {@link TOKEN_HASH_COST}). */
export function makeTokenHash(token: string | Uint8Array): Promise<string> {
  return Bun.password.hash(token, TOKEN_HASH_COST);
}

/** Compares a token with an earlier version's SHA-256 in constant time. */
export function matchesSha256(digest: Uint8Array, token: string | Uint8Array): boolean {
  return timingSafeEqual(hashToken(token), digest);
}
