/**
 * `${VAR}` and `${VAR:-default}` inside configuration strings. `$${` writes a
 * literal `${`. A variable that is unset (or empty, for `:-`) and has no
 * default is an error naming it.
 */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class EnvError extends Error {
  override readonly name = "EnvError";
  constructor(readonly variable: string) {
    super(
      `environment variable ${variable} is not set (write \${${variable}:-default} for a default)`,
    );
  }
}

/** True if `text` contains a reference to interpolate. */
export function hasReference(text: string): boolean {
  REFERENCE.lastIndex = 0;
  return REFERENCE.test(text);
}

/** True if the whole of `text` is one `${…}` reference (its value may then be a number). */
export function isWholeReference(text: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/.test(text);
}

export function interpolate(
  text: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return text.replace(
    REFERENCE,
    (_match, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return "${";
      const value = env[name];
      if (value !== undefined && (value !== "" || fallback === undefined)) return value;
      if (fallback !== undefined) return fallback;
      throw new EnvError(name);
    },
  );
}
