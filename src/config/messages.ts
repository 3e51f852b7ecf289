/**
 * The words of a problem: what was expected, what was found, and the known
 * key or value a typo was probably meant to be. Schemas carry their own
 * messages ("expected a port number from 0 to 65535"); zod's generic ones
 * are rewritten in the same plain terms.
 */
import type { z } from "zod";
import { kind, knownKeys, requiredKeys, unwrap } from "./schema-walk.ts";
import { closest } from "./suggest.ts";

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** zod's own English messages, as opposed to a schema's. */
const GENERIC = /^(Invalid|Too (small|big)|Unrecognized)\b/;

const TYPE_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a map (key: value)",
  record: "a map (key: value)",
  array: "a list",
  null: "nothing (null)",
};

export function show(value: unknown): string {
  if (value === null) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

export function describeUnknownKey(key: string, known: readonly string[]): string {
  const near = closest(key, known);
  if (near !== undefined) return `unknown key ${JSON.stringify(key)}; did you mean "${near}"?`;
  if (known.length === 0) return `unknown key ${JSON.stringify(key)}`;
  return `unknown key ${JSON.stringify(key)} (known here: ${known.join(", ")})`;
}

/** What a schema expects, in words, for a key left out or a union no branch of took. */
function expectation(schema: Schema | undefined): string {
  if (schema === undefined) return "a value";
  const type = kind(schema);
  if (type === "object") {
    const required = requiredKeys(schema);
    const keys = required.length > 0 ? required : knownKeys(schema);
    return keys.length > 0 ? `a map with ${keys.join(", ")}` : "a map (key: value)";
  }
  if (type === "union") {
    const options = (unwrap(schema)._zod.def as unknown as { options: Schema[] }).options;
    return options.map(expectation).join(" or ");
  }
  if (type === "literal" || type === "enum") return "one of the allowed values";
  return TYPE_WORDS[type] ?? "a value";
}

function rewrite(issue: Issue, schema: Schema | undefined): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "object" || issue.expected === "record")
        return `expected ${expectation(schema)}`;
      return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case "invalid_union":
      return `expected ${expectation(schema)}`;
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = Number(small ? issue.minimum : issue.maximum);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === "string") {
        if (small && bound <= 1) return "expected text (not empty)";
        return `expected ${small ? "at least" : "at most"} ${bound} characters`;
      }
      if (issue.origin === "array") {
        if (small && bound <= 1) return "expected a list of at least one item";
        return `expected a list of ${small ? "at least" : "at most"} ${bound} items`;
      }
      const relation = small
        ? inclusive
          ? "at least"
          : "more than"
        : inclusive
          ? "at most"
          : "less than";
      return `expected a number ${relation} ${bound}`;
    }
    case "invalid_format":
      return issue.format === "regex" && "pattern" in issue
        ? `expected text matching ${issue.pattern}`
        : `expected ${issue.format}`;
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}`;
    default:
      return issue.message === "Invalid input" ? "not a valid value" : issue.message;
  }
}

/** One issue's message: expected what, got what, and a near value if one was meant. */
export function describeIssue(
  issue: Issue,
  schema: Schema | undefined,
  allowed: readonly unknown[] | undefined,
): string {
  const input = (issue as { input?: unknown }).input;
  const values = allowed ?? ("values" in issue ? (issue.values as unknown[]) : undefined);
  let message = GENERIC.test(issue.message) ? rewrite(issue, schema) : issue.message;
  if (values !== undefined && GENERIC.test(issue.message)) {
    message = `expected ${values.length === 1 ? "" : "one of "}${values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  if (input === undefined) return `missing: ${message}`;
  const composite = typeof input === "object" && input !== null;
  let out =
    composite && issue.code !== "invalid_type" && issue.code !== "invalid_union"
      ? message
      : `${message}, got ${show(input)}`;
  if (typeof input === "string" && values !== undefined) {
    const near = closest(
      input,
      values.filter((v): v is string => typeof v === "string"),
    );
    if (near !== undefined) out += `; did you mean "${near}"?`;
  }
  return out;
}

/** Who a problem belongs to: the suffix naming them, and the same as fields. */
export interface Owner {
  suffix: string;
  named: { bot?: string; plugin?: string };
}

/** ` (plugin logger of bot logbot@localhost)`. */
export function ownerSuffix(plugin: string, bot: string | undefined): string {
  return ` (plugin ${plugin}${bot === undefined ? "" : ` of bot ${bot}`})`;
}

/**
 * Names the bot and plugin an option belongs to, for a path under
 * `bots[i].plugins[j].with` of the file's data `root`.
 */
export function pluginOwner(root: unknown, path: readonly (string | number)[]): Owner {
  if (path[0] !== "bots" || typeof path[1] !== "number") return { suffix: "", named: {} };
  const bot = (root as { bots?: { id?: unknown; plugins?: { use?: unknown }[] }[] }).bots?.[
    path[1]
  ];
  const id = typeof bot?.id === "string" ? bot.id : undefined;
  if (path[2] !== "plugins" || typeof path[3] !== "number" || path[4] !== "with")
    return { suffix: "", named: id === undefined ? {} : { bot: id } };
  const use = bot?.plugins?.[path[3]]?.use;
  const plugin = typeof use === "string" ? use : undefined;
  const named = {
    ...(id === undefined ? {} : { bot: id }),
    ...(plugin === undefined ? {} : { plugin }),
  };
  return { suffix: plugin === undefined ? "" : ownerSuffix(plugin, id), named };
}
