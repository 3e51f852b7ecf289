/**
 * What a configuration check reports: located problems, each with a stable
 * code, and the one error type that carries every problem of a file.
 */

/** Why a file is refused (`ConfigProblem.code`); docs/config.md lists them. */
export const PROBLEM_CODES = [
  // The file cannot be read (missing, a folder, no permission).
  "unreadable",
  // Not YAML: the parser's first complaint.
  "yaml_syntax",
  // A `#name` that YAML read as a comment; quote it.
  "unquoted_hash",
  // `${VAR}` with `VAR` unset and no default.
  "env_unset",
  // A key the schema does not know (often a typo; see the "did you mean").
  "unknown_key",
  // A required key is absent.
  "missing_key",
  // A value of the wrong type, out of range, or not one of the allowed ones.
  "invalid_value",
  // Two bots with one ID.
  "duplicate_id",
  // Two bots with one `state` folder.
  "shared_state",
  // A bot ID on another domain than the embedded server's.
  "wrong_domain",
  // A plugin module that cannot be loaded or exports no plugin (found when plugins load).
  "plugin_unloadable",
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** What a valid file may still get wrong (`ConfigWarning.code`). */
export const WARNING_CODES = [
  // More channels than a server with default limits lets one connection subscribe to.
  "too_many_topics",
  // Two IDs that are one bot if the (remote) server's domain is the one named.
  "maybe_duplicate_id",
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

interface Located {
  /** The file as it was named to the loader. */
  file: string;
  /** 1-based line of the key or value the message is about. */
  line: number | undefined;
  /** Key path like `bots[0].topics[1]` ("" for the whole file). */
  path: string;
  message: string;
  /** The bot the problem is in, when it is in one (its `id` as written). */
  bot?: string;
  /** The plugin whose options are wrong (its `use:`). */
  plugin?: string;
}

export interface ConfigProblem extends Located {
  code: ProblemCode;
}

export interface ConfigWarning extends Located {
  code: WarningCode;
}

/** A configuration that cannot be used; `problems` lists all of them, in line order. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** Stable across messages: `scalar run` and `scalar validate` exit 2 on it. */
  readonly code = "config_invalid";
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    const sorted = sortProblems(problems);
    super(sorted.map(formatProblem).join("\n"));
    this.problems = sorted;
  }
}

/** `file:line: key.path: what is wrong` (the line or path left out when unknown). */
export function formatProblem(p: Located): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.path === "" ? `${where}: ${p.message}` : `${where}: ${p.path}: ${p.message}`;
}

/** As `formatProblem`, the message starting with `warning: `. */
export function formatWarning(w: ConfigWarning): string {
  return formatProblem({ ...w, message: `warning: ${w.message}` });
}

/** By line, unlocated ones first; the order found is kept within a line. */
export function sortProblems<T extends Located>(problems: readonly T[]): T[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
