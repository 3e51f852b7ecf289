/**
 * Reads a configuration file: YAML (line numbers kept), `${VAR}`
 * interpolation, then the schema. Every problem names the file, line, key
 * path and what was expected; nothing starts on an invalid file.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit } from "yaml";
import type { z } from "zod";
import { BUILTIN_PLUGINS, isBuiltin } from "../plugins/builtins.ts";
import { EnvError, hasReference, interpolate, isWholeReference } from "./env.ts";
import { type Config, configSchema, pluginEntrySchemas } from "./schema.ts";

export interface ConfigProblem {
  file: string;
  line: number | undefined;
  /** Key path like `bots[0].topics[1]` ("" for the whole file). */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join("\n"));
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.path === "" ? `${where}: ${p.message}` : `${where}: ${p.path}: ${p.message}`;
}

export interface LoadedConfig {
  /** Absolute path of the file. */
  file: string;
  /** Its folder: relative paths in it resolve here. */
  dir: string;
  config: Config;
}

/** Reads and validates a file. @throws ConfigError */
export function loadConfig(
  path: string,
  env: Record<string, string | undefined> = process.env,
): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConfigError([
      {
        file: path,
        line: undefined,
        path: "",
        message: code === "ENOENT" ? "no such file" : `cannot read: ${(error as Error).message}`,
      },
    ]);
  }
  const config = parseConfig(text, basename(path) === path ? path : path, env);
  return { file, dir: dirname(file), config: resolvePaths(config, dirname(file)) };
}

/** Validates configuration text; `name` is used in messages. @throws ConfigError */
export function parseConfig(
  text: string,
  name: string,
  env: Record<string, string | undefined> = process.env,
): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    // Later syntax errors are mostly echoes of the first.
    throw new ConfigError(
      doc.errors.slice(0, 1).map((e) => ({
        file: name,
        line: e.linePos?.[0]?.line ?? lineOf(e.pos[0]),
        path: "",
        message: `not valid YAML: ${e.message.split("\n")[0]}`,
      })),
    );
  }

  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (key === "key" || typeof node.value !== "string" || !hasReference(node.value)) return;
      const raw = node.value;
      try {
        const value = interpolate(raw, env);
        // A plain `port: ${PORT}` takes the YAML type of its value (7667 is a number).
        node.value =
          node.type === Scalar.PLAIN && isWholeReference(raw) ? yamlScalar(value) : value;
      } catch (error) {
        if (!(error instanceof EnvError)) throw error;
        problems.push({
          file: name,
          line: lineOf(node.range?.[0]),
          path: formatPath(pathOfNodes(path, node)),
          message: error.message,
        });
      }
    },
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const data = doc.toJS() ?? {};
  const result = configSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data as Config;

  const issues = refinePluginIssues(result.error.issues, data);
  throw new ConfigError(
    issues
      .map((issue) => {
        const path = issue.path as (string | number)[];
        const { line, keyPath } = locate(doc, lineCounter, issue, path);
        return { file: name, line, path: formatPath(keyPath), message: describeIssue(issue) };
      })
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
  );
}

/** Parses an interpolated value as a YAML scalar when it is a number or boolean. */
function yamlScalar(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

// -------------------------------------------------------------- locations --

function pathOfNodes(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1];
    const child = chain[i];
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
    else if (isMap(parent)) {
      const pair = child as { key?: unknown };
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      path.push(String(key));
    }
  }
  return path;
}

function locate(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  issue: z.core.$ZodIssue,
  path: (string | number)[],
): { line: number | undefined; keyPath: (string | number)[] } {
  const line = (node: unknown): number | undefined => {
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    return undefined;
  };
  if (issue.code === "unrecognized_keys") {
    const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
    const key = issue.keys[0]!;
    if (isMap(map)) {
      const pair = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (pair) return { line: line(pair.key), keyPath: [...path, key] };
    }
    return { line: line(map), keyPath: [...path, key] };
  }
  // The deepest node that exists (a missing key points at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (node !== undefined && line(node) !== undefined) return { line: line(node), keyPath: path };
  }
  return { line: undefined, keyPath: path };
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

// --------------------------------------------------------------- messages --

function show(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === "unrecognized_keys") {
    return `unknown key ${JSON.stringify(issue.keys[0])}${
      issue.keys.length > 1
        ? ` (and ${issue.keys
            .slice(1)
            .map((k) => JSON.stringify(k))
            .join(", ")})`
        : ""
    }`;
  }
  let message = issue.message;
  if (message.startsWith("Invalid input: expected ")) {
    message = `expected ${message.slice("Invalid input: expected ".length).replace(/, received .*$/, "")}`;
  }
  if (issue.code === "invalid_type" && input === undefined) return `missing: ${message}`;
  if (issue.code === "invalid_value" && "values" in issue) {
    message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  const composite = typeof input === "object" && input !== null;
  if (input === undefined || (composite && issue.code !== "invalid_type")) return message;
  return `${message}, got ${show(input)}`;
}

/**
 * A plugin entry is a union (one branch per built-in, one for paths); the
 * union's own error says little, so each failing entry is checked again
 * against the branch its `use:` names.
 */
function refinePluginIssues(issues: z.core.$ZodIssue[], data: unknown): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  const redone = new Set<string>();
  for (const issue of issues) {
    const p = issue.path;
    const isPluginEntry =
      p.length >= 4 && p[0] === "bots" && p[2] === "plugins" && typeof p[3] === "number";
    if (!isPluginEntry) {
      out.push(issue);
      continue;
    }
    const prefix = p.slice(0, 4) as (string | number)[];
    const key = prefix.join(".");
    if (redone.has(key)) continue;
    redone.add(key);
    const entry = getPath(data, prefix);
    const use = (entry as { use?: unknown } | undefined)?.use;
    const branchIndex =
      typeof use === "string" && isBuiltin(use)
        ? Object.keys(BUILTIN_PLUGINS).indexOf(use)
        : pluginEntrySchemas.length - 1;
    const branch = pluginEntrySchemas[branchIndex]!;
    const result = branch.safeParse(entry, { reportInput: true });
    if (result.success) {
      out.push(issue);
      continue;
    }
    for (const inner of result.error.issues)
      out.push({ ...inner, path: [...prefix, ...inner.path] });
  }
  return out;
}

function getPath(data: unknown, path: (string | number)[]): unknown {
  let value = data;
  for (const part of path) value = (value as Record<string | number, unknown> | undefined)?.[part];
  return value;
}

// ------------------------------------------------------------------ paths --

function resolvePaths(config: Config, dir: string): Config {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const server =
    "embedded" in config.server
      ? {
          embedded: {
            ...config.server.embedded,
            history: config.server.embedded.history.startsWith("sqlite:")
              ? `sqlite:${abs(config.server.embedded.history.slice("sqlite:".length))}`
              : config.server.embedded.history,
            ...(config.server.embedded.tokens === undefined
              ? {}
              : { tokens: abs(config.server.embedded.tokens) }),
          },
        }
      : config.server;
  return {
    ...config,
    server,
    bots: config.bots.map((bot) => ({
      ...bot,
      state: abs(bot.state),
      plugins: bot.plugins.map((p) => (isBuiltin(p.use) ? p : { ...p, use: abs(p.use) })),
    })),
  } as Config;
}
