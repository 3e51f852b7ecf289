/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: every
 * line must be a `# HELP`, a `# TYPE` or a sample of a declared family,
 * label values unescaped; anything else throws, naming the line.
 * (The npm parsers at hand drop the labels of histograms.)
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample named `name` with these labels (others ignored). */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Samples named `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;
const SUFFIXES: Record<string, string[]> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const m = LABEL.exec(rest);
    if (m === null) throw new Error(`line ${line}: bad labels: {${text}}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  // prom-client writes `Nan` (an empty event-loop histogram's mean); Prometheus
  // reads special values in any case, as Go's ParseFloat does.
  if (text.toLowerCase() === "nan") return Number.NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`line ${line}: bad value ${text}`);
  return value;
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  for (const [i, line] of text.slice(0, -1).split("\n").entries()) {
    const n = i + 1;
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      if (!new RegExp(`^${NAME}$`).test(meta[2]!)) throw new Error(`line ${n}: bad name`);
      if (meta[1] === "TYPE") {
        if (SUFFIXES[meta[3]!] === undefined) throw new Error(`line ${n}: bad type ${meta[3]}`);
        if (types.has(meta[2]!)) throw new Error(`line ${n}: ${meta[2]} typed twice`);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`line ${n}: not a sample: ${line}`);
    const name = m[1]!;
    const family = [...types.entries()].find(([base, type]) =>
      SUFFIXES[type]!.some((suffix) => `${base}${suffix}` === name),
    );
    if (family === undefined) throw new Error(`line ${n}: ${name} has no # TYPE before it`);
    samples.push({ name, labels: parseLabels(m[2] ?? "", n), value: parseValue(m[3]!, n) });
  }
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  return { types, samples, find, value: (name, labels) => find(name, labels)[0]?.value };
}
