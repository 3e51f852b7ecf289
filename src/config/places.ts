/**
 * Where a loaded file's plugin entries stand in it, as messages name them:
 * the file as it was given, each entry's `use:` as written and its line.
 * Read from the file's YAML when the configuration has it, else from
 * `places`, which a configuration passed on without its YAML carries (the
 * bots' process of `scalar run`, which runs without the YAML parser).
 */
import type { LoadedConfig } from "./load.ts";

/** One entry's `use:` as written (a module path as in the file) and the line it is on. */
export interface EntryPlace {
  use: unknown;
  line: number | undefined;
}

export interface EntryPlaces {
  /** The file as it was given (relative to the current folder, or absolute). */
  name: string;
  /** Per bot, per plugin entry. */
  bots: EntryPlace[][];
}

/** The places of every plugin entry of `loaded`, from its YAML. */
export function placesOf(loaded: LoadedConfig): EntryPlaces {
  return {
    name: fileName(loaded),
    bots: loaded.config.bots.map((bot, i) =>
      bot.plugins.map((_, j) => ({ use: writtenUse(loaded, i, j), line: useLine(loaded, i, j) })),
    ),
  };
}

/** The file as messages name it: as it was given, else its absolute path. */
export function fileName(loaded: LoadedConfig): string {
  return loaded.source?.name ?? loaded.places?.name ?? loaded.file;
}

/** `use:` of plugin `j` of bot `i` as written (the config has module paths made absolute). */
export function writtenUse(loaded: LoadedConfig, i: number, j: number): unknown {
  if (loaded.source === undefined) return loaded.places?.bots[i]?.[j]?.use;
  const data = loaded.source.data() as { bots?: { plugins?: { use?: unknown }[] }[] } | undefined;
  return data?.bots?.[i]?.plugins?.[j]?.use;
}

/** The line of plugin `j` of bot `i`'s `use:`. */
export function useLine(loaded: LoadedConfig, i: number, j: number): number | undefined {
  if (loaded.source === undefined) return loaded.places?.bots[i]?.[j]?.line;
  return loaded.source.lineOf(["bots", i, "plugins", j, "use"]);
}
