import { ScalarError } from "./errors.ts";

/** What a name denotes (protocol.md §3). */
export type NameKind = "id" | "channel" | "reserved";

export interface Name {
  readonly kind: NameKind;
  /** The part before `@`, without its `#`/`!` sigil, lower case. */
  readonly local: string;
  readonly domain: string;
  /** Full normal form, e.g. `#general@example.com`. */
  readonly full: string;
}

export const MAX_NAME_BYTES = 256;
export const MAX_DOMAIN_BYTES = 190;
export const MAX_LOCAL_LENGTH = 64;

const LOCAL = /^[a-z0-9._-]{1,64}$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function badTopic(input: string, why: string): ScalarError {
  return new ScalarError("bad_topic", `${JSON.stringify(input.slice(0, 80))}: ${why}`);
}

/** Folds ASCII A-Z to lower case; anything outside printable ASCII is refused. */
function foldAscii(input: string): string {
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw badTopic(input, "names are printable ASCII");
  }
  return input.toLowerCase();
}

/** True if `domain` is a DNS hostname the contract accepts (already lower case). */
export function isValidDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_BYTES) return false;
  return domain.split(".").every((label) => LABEL.test(label));
}

/**
 * Parses a name as a client may write it in a request: any case, `@domain`
 * optional (it then means `defaultDomain`, the server's own).
 *
 * @throws ScalarError `bad_topic` for anything §3 does not allow.
 * @example parseName("#General", "example.com").full === "#general@example.com"
 */
export function parseName(input: string, defaultDomain?: string): Name {
  if (input.length > MAX_NAME_BYTES) throw badTopic(input, `longer than ${MAX_NAME_BYTES} bytes`);
  const folded = foldAscii(input);
  let kind: NameKind = "id";
  let rest = folded;
  if (folded.startsWith("#")) {
    kind = "channel";
    rest = folded.slice(1);
  } else if (folded.startsWith("!")) {
    kind = "reserved";
    rest = folded.slice(1);
  }
  const at = rest.indexOf("@");
  const local = at < 0 ? rest : rest.slice(0, at);
  let domain: string;
  if (at >= 0) domain = rest.slice(at + 1);
  else if (defaultDomain !== undefined) domain = defaultDomain;
  else throw badTopic(input, "a full name needs @domain");
  if (!LOCAL.test(local)) {
    throw badTopic(input, `the local part must be 1-${MAX_LOCAL_LENGTH} of a-z 0-9 . _ -`);
  }
  if (!isValidDomain(domain)) {
    throw badTopic(input, `the domain must be a DNS hostname of at most ${MAX_DOMAIN_BYTES} bytes`);
  }
  const full = `${kind === "channel" ? "#" : kind === "reserved" ? "!" : ""}${local}@${domain}`;
  if (full.length > MAX_NAME_BYTES) throw badTopic(input, `longer than ${MAX_NAME_BYTES} bytes`);
  return { kind, local, domain, full };
}

/** Parses a name that must be an ID (`local@domain`). */
export function parseId(input: string, defaultDomain?: string): Name {
  const name = parseName(input, defaultDomain);
  if (name.kind !== "id") throw badTopic(input, "not an ID (local@domain)");
  return name;
}

/** The full name of the wall topic of a domain. */
export function wallTopic(domain: string): string {
  return `!wall@${domain}`;
}

/** The short form of a full name when it is on `domain` (for display). */
export function shortName(full: string, domain: string): string {
  const suffix = `@${domain}`;
  return full.endsWith(suffix) ? full.slice(0, -suffix.length) : full;
}
