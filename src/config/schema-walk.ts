/**
 * Reads a zod schema's structure (from its `_zod.def`) to say what a place
 * in a configuration expects: the keys a map knows, which are required, the
 * branches of a union and the literal that picks one.
 */
import type { z } from "zod";

type Schema = z.core.$ZodType;
type Path = readonly (string | number | symbol | PropertyKey)[];

interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  getter?: () => Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  options?: readonly Schema[];
  valueType?: Schema;
  items?: readonly Schema[];
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

const def = (schema: Schema): Def => schema._zod.def as unknown as Def;

/** The schema under defaults, optionals and pipes: the one that checks the value. */
export function unwrap(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 32; i++) {
    const d = def(s);
    if (d.innerType !== undefined) s = d.innerType;
    else if (d.type === "pipe" && d.in !== undefined) s = d.in;
    else if (d.type === "lazy" && d.getter !== undefined) s = d.getter();
    else return s;
  }
  return s;
}

export function kind(schema: Schema): string {
  return def(unwrap(schema)).type;
}

/** The schema of `schema`'s child at `key` (a map key or a list index), if it has one. */
export function child(schema: Schema, key: string | number): Schema | undefined {
  const d = def(unwrap(schema));
  switch (d.type) {
    case "object":
      return (typeof key === "string" && d.shape?.[key]) || undefined;
    case "array":
      return d.element;
    case "record":
      return d.valueType;
    case "tuple":
      return typeof key === "number" ? d.items?.[key] : undefined;
    default:
      return undefined;
  }
}

/** The first union met walking `path` down from `schema`, and how far down it is. */
export function firstUnion(
  schema: Schema,
  path: Path,
): { depth: number; schema: Schema; options: readonly Schema[] } | undefined {
  let s: Schema | undefined = schema;
  for (let depth = 0; s !== undefined; depth++) {
    const d = def(unwrap(s));
    if (d.type === "union") return { depth, schema: unwrap(s), options: d.options ?? [] };
    if (depth === path.length) return undefined;
    const key = path[depth];
    s = typeof key === "string" || typeof key === "number" ? child(s, key) : undefined;
  }
  return undefined;
}

/** The schema at `path`, when no union stands on the way. */
export function schemaAt(schema: Schema, path: Path): Schema | undefined {
  let s: Schema | undefined = schema;
  for (const key of path) {
    if (s === undefined) return undefined;
    s = typeof key === "string" || typeof key === "number" ? child(s, key) : undefined;
  }
  return s;
}

/** The keys of a map schema (none for anything else). */
export function knownKeys(schema: Schema | undefined): string[] {
  if (schema === undefined) return [];
  const d = def(unwrap(schema));
  return d.type === "object" ? Object.keys(d.shape ?? {}) : [];
}

/** The keys a map must have (no default, not optional). */
export function requiredKeys(schema: Schema | undefined): string[] {
  if (schema === undefined) return [];
  const d = def(unwrap(schema));
  if (d.type !== "object") return [];
  return Object.entries(d.shape ?? {})
    .filter(([, s]) => s._zod.optin === undefined)
    .map(([k]) => k);
}

/** Keys of a map schema whose value must be one literal (a union's discriminator). */
export function literalKeys(schema: Schema): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const d = def(unwrap(schema));
  if (d.type !== "object") return out;
  for (const [key, value] of Object.entries(d.shape ?? {})) {
    const v = def(unwrap(value));
    if (v.type === "literal" && v.values?.length === 1) out.set(key, v.values[0]);
  }
  return out;
}

/** The values an enum or literal allows (undefined for other schemas). */
export function allowedValues(schema: Schema | undefined): unknown[] | undefined {
  if (schema === undefined) return undefined;
  const d = def(unwrap(schema));
  if (d.type === "literal") return [...(d.values ?? [])];
  if (d.type === "enum") return Object.values(d.entries ?? {});
  return undefined;
}
