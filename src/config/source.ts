/**
 * A configuration file as YAML nodes with line numbers: parsed once (lost
 * `#names` quoted back in, see lost-names.ts), `${VAR}`s expanded in place,
 * then asked for the line of any key path.
 */
import {
  type Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  Scalar,
  visit,
} from "yaml";
import { EnvError, hasReference, interpolate, isWholeReference } from "./env.ts";
import { findValueComments, quoteLost } from "./lost-names.ts";
import { ConfigError, type ConfigProblem, formatPath } from "./problems.ts";

type Path = readonly (string | number)[];

export class ConfigSource {
  private constructor(
    /** The file as named to the loader, for messages. */
    readonly name: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
    /** Problems found while reading (lost `#names`); validation goes on past them. */
    readonly problems: ConfigProblem[],
  ) {}

  /**
   * Parses `text`. A YAML syntax error ends the check there (what follows
   * it is guesswork), reported with any lost `#names` before it.
   * @throws ConfigError
   */
  static parse(text: string, name: string): ConfigSource {
    const first = parseDocument(text, { prettyErrors: false });
    const lost = findValueComments(text).filter(
      (c) => c.flow || nullScalarAt(first, c.offset) !== undefined,
    );
    const repaired = lost.length === 0 ? { text, values: [] } : quoteLost(text, lost);
    const lines = new LineCounter();
    const doc = parseDocument(repaired.text, { lineCounter: lines, prettyErrors: false });
    const source = new ConfigSource(name, doc, lines, []);
    for (const { offset, value } of repaired.values) {
      source.problems.push({
        code: "unquoted_hash",
        file: name,
        line: lines.linePos(offset).line,
        path: formatPath(pathAtOffset(doc, offset) ?? []),
        message: `${value} is read as a YAML comment, not a value (a # after a space, [ or , starts a comment); quote it: ${JSON.stringify(value)}`,
      });
    }
    if (doc.errors.length > 0) {
      // Later syntax errors are mostly echoes of the first.
      const error = doc.errors[0]!;
      throw new ConfigError([
        ...source.problems,
        {
          code: "yaml_syntax",
          file: name,
          line: error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line,
          path: "",
          message: `not valid YAML: ${error.message.split("\n")[0]}`,
        },
      ]);
    }
    return source;
  }

  /** Expands `${VAR}` in every value; returns the ones that cannot be, located. */
  interpolate(env: Record<string, string | undefined>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    visit(this.doc, {
      Scalar: (key, node, ancestors) => {
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
            code: "env_unset",
            file: this.name,
            line: this.lineOfNode(node),
            path: formatPath(pathOfNodes(ancestors, node)),
            message: error.message,
          });
        }
      },
    });
    return problems;
  }

  /** The file's data, after interpolation. */
  data(): unknown {
    return this.doc.toJS() ?? {};
  }

  /** Line of the value at `path`, or of its deepest parent that exists (for a missing key). */
  lineOf(path: Path): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const line = this.lineOfNode(this.nodeAt(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }

  /** Line of the key `key` of the map at `path` (of the map when the key is not there). */
  lineOfKey(path: Path, key: string): number | undefined {
    const map = this.nodeAt(path);
    if (isMap(map)) {
      const pair = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (pair) return this.lineOfNode(pair.key);
    }
    return this.lineOf(path);
  }

  private nodeAt(path: Path): unknown {
    return path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
  }

  private lineOfNode(node: unknown): number | undefined {
    if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    return undefined;
  }
}

/** Parses an interpolated value as a YAML scalar when it is a number or boolean. */
function yamlScalar(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

/** The empty value YAML made where a lost comment stands, if it made one there. */
function nullScalarAt(doc: Document, offset: number): Scalar | undefined {
  let found: Scalar | undefined;
  visit(doc, {
    Scalar(_key, node) {
      if (node.value === null && node.range?.[0] === offset) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Key path of the value that starts at `offset`. */
function pathAtOffset(doc: Document, offset: number): (string | number)[] | undefined {
  let found: (string | number)[] | undefined;
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key !== "key" && node.range?.[0] === offset) {
        found = pathOfNodes(ancestors, node);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function pathOfNodes(ancestors: readonly unknown[], node: Node): (string | number)[] {
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
