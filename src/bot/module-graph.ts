/**
 * A plugin module's own files: the module and every file of the project
 * it imports, found by reading their import statements (Bun's transpiler)
 * — packages (node_modules) and scalarbot's own sources left out. What a
 * reload watches, and what it makes Bun evaluate again.
 *
 * Bun caches a module by its path for the life of the process: importing
 * the same file again returns the same module (a `?v=N` query on a file
 * URL does not change that; on a bare path it makes a fresh copy of that
 * one file, while the files it imports stay cached). Taking the files out
 * of `require.cache`, which Bun's ES module loader shares, makes the next
 * import evaluate each of them again: the plugin's own imports are fresh
 * too, and no old copy stays loaded under another name.
 */
import { readFileSync } from "node:fs";
import { dirname, extname, isAbsolute, resolve, sep } from "node:path";

/** scalarbot's sources: a plugin that imports them shares the runtime's copy. */
const SCALARBOT_SRC = `${resolve(import.meta.dir, "..")}${sep}`;
const SCANNED: Record<string, "ts" | "tsx" | "js" | "jsx"> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
};

/** Whether a resolved import is a file of the project (not a package, a built-in or scalarbot). */
function isProjectFile(path: string): boolean {
  return (
    isAbsolute(path) &&
    !path.includes(`${sep}node_modules${sep}`) &&
    !path.startsWith(SCALARBOT_SRC)
  );
}

/**
 * The project files `entry` loads (itself first), following static and
 * literal dynamic imports. A file that does not parse is listed, its
 * imports not (its fix is a change to it, which is watched).
 */
export function moduleGraph(entry: string): string[] {
  return [...moduleImports(entry).keys()];
}

/** The graph of `moduleGraph`: each file with the project files it imports. */
export function moduleImports(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const targets: string[] = [];
    seen.set(file, targets);
    const loader = SCANNED[extname(file)];
    if (loader === undefined) return;
    let imports: { path: string }[];
    try {
      imports = new Bun.Transpiler({ loader }).scanImports(readFileSync(file, "utf8"));
    } catch {
      return;
    }
    for (const { path } of imports) {
      let target: string;
      try {
        target = Bun.resolveSync(path, dirname(file));
      } catch {
        continue; // The import fails with its own message when the module loads.
      }
      if (!isProjectFile(target)) continue;
      targets.push(target);
      visit(target);
    }
  };
  visit(resolve(entry));
  return seen;
}

/**
 * The files of `entry`'s graph that are or import (directly or not) one of
 * `changed`: what must be evaluated again for the change to show.
 */
export function staleFiles(entry: string, changed: ReadonlySet<string>): string[] {
  const graph = moduleImports(entry);
  const stale = new Set([...graph.keys()].filter((f) => changed.has(f)));
  // Until nothing more is found: import cycles are followed too.
  let grown = true;
  while (grown) {
    grown = false;
    for (const [file, imports] of graph) {
      if (!stale.has(file) && imports.some((i) => stale.has(i))) {
        stale.add(file);
        grown = true;
      }
    }
  }
  return [...stale];
}

/** Makes the next import of each file evaluate it again (see the opening comment). */
export function forgetModules(files: Iterable<string>): void {
  for (const file of files) delete require.cache[file];
}
