/**
 * Times as `scalar logs` and the web viewer take them: a duration back
 * from now (`90s`, `15m`, `2h`, `3d`, `1w`), a UTC day (`2026-12-01`), or
 * ISO 8601 (`2026-12-01T08:00`, `2026-12-01T08:00:00+01:00`; without a zone
 * it is UTC, as the archive is). A day as an upper bound means its end.
 */
import { ArchiveError } from "./errors.ts";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of a duration (`90d`); undefined when `text` is none. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  return m === null ? undefined : Number(m[1]) * UNIT_MS[m[2]!]!;
}

/**
 * A time in ms since the epoch. `end`: a bare day means the start of the
 * next (an exclusive upper bound: `--until 2026-12-01` includes that day).
 * Throws `ArchiveError` (`bad_time`) naming `what` and the forms it takes.
 */
export function parseTime(
  text: string,
  what: string,
  options: { end?: boolean; now?: number } = {},
): number {
  const now = options.now ?? Date.now();
  const trimmed = text.trim();
  const duration = parseDuration(trimmed);
  if (duration !== undefined) return now - duration;
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const ms = Date.parse(`${trimmed}T00:00:00Z`);
    if (Number.isFinite(ms)) return options.end ? ms + UNIT_MS.d! : ms;
  }
  const m =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      trimmed,
    );
  if (m !== null) {
    const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? "Z"}`);
    if (Number.isFinite(ms)) return ms;
  }
  throw new ArchiveError(
    "bad_time",
    `${what} ${JSON.stringify(text)} is not a time: expected a duration back from now (2h, 30m, 7d), a day (2026-12-01) or ISO 8601 (2026-12-01T08:00:00Z)`,
  );
}
