/**
 * Reply templates for YAML-declared answers: `{from}`, `{from.local}`,
 * `{topic}`, `{topic.name}`, `{body}`, `{1}`… for captures, `{name}` for
 * named captures, `{args}` for a command's text, `{key}` for a form's
 * answers; `{{` and `}}` are braces.
 */

export interface TemplateValues {
  from: string;
  topic: string;
  body: string;
  match?: RegExpMatchArray | undefined;
  args?: string | undefined;
  /** A form's answers so far, by step key. */
  answers?: Readonly<Record<string, string>> | undefined;
}

const PLACEHOLDER = /\{\{|\}\}|\{([^{}]*)\}/g;

/** The placeholders a template uses (without braces). */
export function placeholders(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) if (m[1] !== undefined) names.push(m[1]);
  return names;
}

/** The part of `alice@localhost` before the `@`. */
export function localPart(id: string): string {
  const at = id.indexOf("@");
  return at < 0 ? id : id.slice(0, at);
}

export function render(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string | undefined) => {
    if (whole === "{{") return "{";
    if (whole === "}}") return "}";
    switch (name) {
      case "from":
        return values.from;
      case "from.local":
        return localPart(values.from);
      case "topic":
        return values.topic;
      case "topic.name":
        return localPart(values.topic);
      case "body":
        return values.body;
      case "args":
        return values.args ?? "";
    }
    const answer = name === undefined ? undefined : values.answers?.[name];
    if (answer !== undefined) return answer;
    const match = values.match;
    if (match === undefined || name === undefined) return "";
    if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
    return match.groups?.[name] ?? "";
  });
}

/** A pattern written `/source/flags` is a RegExp; anything else is a text. */
export function parsePattern(pattern: string): RegExp | string {
  const m = /^\/(.+)\/([dgimsuyv]*)$/s.exec(pattern);
  if (m === null) return pattern;
  return new RegExp(m[1]!, m[2]!.replace(/[gy]/g, ""));
}

/** Capture group count and names of a pattern. */
export function captures(pattern: RegExp | string): { count: number; names: string[] } {
  if (typeof pattern === "string") return { count: 0, names: [] };
  const count = new RegExp(`${pattern.source}|`).exec("")!.length - 1;
  const names = [...pattern.source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!);
  return { count, names };
}

/** Why `template` cannot be rendered for `pattern`, or undefined when it can. */
export function checkTemplate(
  template: string,
  pattern: RegExp | string | undefined,
  command: boolean,
  /** More names it may use (a form's answer keys). */
  extra: readonly string[] = [],
): string | undefined {
  const fixed = [
    "from",
    "from.local",
    "topic",
    "topic.name",
    "body",
    ...(command ? ["args"] : []),
    ...extra,
  ];
  const groups = pattern === undefined ? { count: 0, names: [] } : captures(pattern);
  for (const name of placeholders(template)) {
    if (fixed.includes(name) || groups.names.includes(name)) continue;
    if (/^\d+$/.test(name) && Number(name) <= groups.count) continue;
    const known = [...fixed, ...groups.names.map((n) => n)];
    if (groups.count > 0) known.push(`0..${groups.count}`);
    return `unknown placeholder {${name}} (known: ${known.map((k) => `{${k}}`).join(", ")})`;
  }
  return undefined;
}
