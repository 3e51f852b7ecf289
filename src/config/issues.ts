/**
 * Turns zod's issues into located problems. Where a union stands (the
 * server is `{ embedded }` or `{ host, port }`; a plugin entry is one branch
 * per built-in), zod blames the union or a branch it picked by its own
 * rule; here the branch the value was meant for is chosen (the one whose
 * literal it names, else the one that fits its keys best) and its issues
 * are reported instead, down to the deepest wrong key.
 */
import type { z } from "zod";
import { describeIssue, describeUnknownKey, type Owner } from "./messages.ts";
import type { ConfigProblem } from "./problems.ts";
import { formatPath } from "./problems.ts";
import { allowedValues, firstUnion, knownKeys, literalKeys, schemaAt } from "./schema-walk.ts";
import type { ConfigSource } from "./source.ts";

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;
type Path = (string | number)[];

/** An issue with its path from the file's root and what the schema there knows. */
export interface PlacedIssue {
  issue: Issue;
  path: Path;
  /** The schema at `path` (for the keys a map knows, the values an enum allows). */
  schema: Schema | undefined;
  /** Literals the value could have been, from union branches it named none of. */
  literals?: unknown[];
}

/** Every issue of `data` against `schema`, union branches resolved. */
export function placedIssues(schema: Schema, data: unknown, prefix: Path = []): PlacedIssue[] {
  const result = (schema as z.ZodType).safeParse(data, { reportInput: true });
  if (result.success) return [];
  const out: PlacedIssue[] = [];
  const unions = new Set<string>();
  for (const issue of result.error.issues) {
    const path = issue.path as Path;
    const union = firstUnion(schema, path);
    if (union === undefined) {
      out.push({ issue, path: [...prefix, ...path], schema: schemaAt(schema, path) });
      continue;
    }
    // Several issues may come from one union: it is redone once.
    const at = path.slice(0, union.depth);
    const key = JSON.stringify(at);
    if (unions.has(key)) continue;
    unions.add(key);
    const value = valueAt(data, at);
    const branch = chooseBranch(union.options, value);
    if (branch === undefined) {
      // No branch takes a value of this type: the union's own message says what would do.
      const own = (union.schema as z.ZodType).safeParse(value, { reportInput: true });
      for (const issue of own.error?.issues ?? []) {
        out.push({
          issue,
          path: [...prefix, ...at, ...(issue.path as Path)],
          schema: union.schema,
        });
      }
      continue;
    }
    const inner = placedIssues(branch.schema, value, [...prefix, ...at]);
    for (const placed of inner) {
      // A discriminator that matched no branch: say which values would have.
      if (branch.literals.length > 0 && placed.path.length === prefix.length + at.length + 1) {
        const last = placed.path[placed.path.length - 1];
        if (last === branch.discriminator) placed.literals = branch.literals;
      }
    }
    out.push(...inner);
  }
  return out;
}

interface Branch {
  schema: Schema;
  /** The key whose literal picks a branch, when the value named none. */
  discriminator?: string;
  literals: unknown[];
}

/**
 * The branch meant: one whose literal keys all match the value's; without
 * one, among the branches that do not contradict it, the one that fits its
 * shape best (fewest unknown, missing or mistyped keys at this level).
 */
function chooseBranch(options: readonly Schema[], value: unknown): Branch | undefined {
  if (options.length === 0) return undefined;
  const record =
    typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const named: Schema[] = [];
  const open: Schema[] = [];
  const missed = new Map<string, unknown[]>();
  for (const option of options) {
    const literals = literalKeys(option);
    if (literals.size === 0) {
      open.push(option);
      continue;
    }
    const mismatched = [...literals].filter(([k, v]) => record[k] !== v);
    if (mismatched.length === 0) named.push(option);
    else
      for (const [k, v] of mismatched) {
        if (k in record) missed.set(k, [...(missed.get(k) ?? []), v]);
      }
  }
  if (named.length > 0) {
    const schema = best(named, value);
    return schema && { schema, literals: [] };
  }
  const [discriminator, literals] = [...missed][0] ?? [undefined, []];
  const schema = best(open.length > 0 ? open : options, value);
  return schema && { schema, ...(discriminator === undefined ? {} : { discriminator }), literals };
}

const WRONG_TYPE = 1000;

/** Undefined when every option refuses the value's type outright. */
function best(options: readonly Schema[], value: unknown): Schema | undefined {
  let chosen: Schema | undefined;
  let bestMisfit = WRONG_TYPE;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const option of options) {
    const result = (option as z.ZodType).safeParse(value);
    const issues = result.success ? [] : result.error.issues;
    let misfit = 0;
    for (const issue of issues) {
      if (issue.path.length === 0 && issue.code === "invalid_type") misfit += WRONG_TYPE;
      else if (issue.path.length === 0 && issue.code === "unrecognized_keys")
        misfit += issue.keys.length;
      else if (issue.path.length === 1 && issue.code === "invalid_type") misfit += 1;
    }
    if (misfit >= WRONG_TYPE) continue;
    if (misfit < bestMisfit || (misfit === bestMisfit && issues.length < bestCount)) {
      chosen = option;
      bestMisfit = misfit;
      bestCount = issues.length;
    }
  }
  return chosen;
}

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const part of path) value = (value as Record<string | number, unknown> | undefined)?.[part];
  return value;
}

/**
 * Located problems for `data` checked against `schema`; `prefix` is where
 * `data` sits in the file (plugin options are checked on their own), and
 * `owner` names the bot and plugin a path belongs to.
 */
export function schemaProblems(
  schema: Schema,
  data: unknown,
  source: ConfigSource,
  owner: (path: Path) => Owner,
  prefix: Path = [],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const placed of placedIssues(schema, data, prefix)) {
    const { issue, path } = placed;
    const plugin = owner(path);
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(placed.schema);
      for (const key of issue.keys) {
        problems.push({
          code: "unknown_key",
          file: source.name,
          line: source.lineOfKey(path, key),
          path: formatPath([...path, key]),
          message: `${describeUnknownKey(key, known)}${plugin.suffix}`,
          ...plugin.named,
        });
      }
      continue;
    }
    const input = (issue as { input?: unknown }).input;
    const allowed = placed.literals ?? allowedValues(placed.schema);
    problems.push({
      code: input === undefined && issue.code === "invalid_type" ? "missing_key" : "invalid_value",
      file: source.name,
      line: source.lineOf(path),
      path: formatPath(path),
      message: `${describeIssue(issue, placed.schema, allowed)}${plugin.suffix}`,
      ...plugin.named,
    });
  }
  return problems;
}
