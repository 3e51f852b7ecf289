/**
 * The bots' process as precompiled JavaScript: lean-run.ts and every module
 * it may load, bundled once by Bun's bundler into a cache folder and used
 * while scalarbot's sources stay as they were. An idle bot's process then
 * never runs Bun's TypeScript transpiler: ~2 MB less resident memory
 * (docs/benchmarks.md, Footprint).
 *
 * Only for a configuration whose plugins are all built in, none of them
 * `reload` (which may add a plugin module later): a plugin module imports
 * scalarbot from its TypeScript sources, and the process would hold two
 * copies of every class, where `instanceof` between them fails. Any other
 * configuration runs lean-run.ts as it is.
 *
 * The folder is `<package>/node_modules/.cache/scalarbot/<key>`: the key
 * hashes Bun's version and every file's path, size and mtime in `src/`;
 * packages stay imports, found in the package's node_modules. Stack traces
 * name the TypeScript sources (linked source maps), and `import.meta.dir`
 * keeps each module's own folder, so messages read as they do without it.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { describeCause } from "../client/errors.ts";
import type { Config } from "../config/schema.ts";
import { isBuiltin } from "../plugins/builtin-modules.ts";

/** How many built runtimes a cache folder keeps (a running process may still load chunks of its own). */
const KEEP = 5;

/** Whether `config`'s bots can run from the precompiled runtime (see above). */
export function canPrecompile(config: Config): boolean {
  return config.bots.every((bot) =>
    bot.plugins.every((entry) => isBuiltin(entry.use) && entry.use !== "reload"),
  );
}

export interface PrecompileOptions {
  /** scalarbot's sources (`src/`). */
  src: string;
  /** The entry to bundle, inside `src`. */
  entry: string;
  /** Where built runtimes are kept. */
  cacheDir: string;
}

export type Precompiled =
  | { ok: true; path: string; built: boolean }
  | { ok: false; reason: string };

/** The sources' key: any edit, checkout or Bun upgrade gives a new one. */
export function sourceKey(src: string): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(`${Bun.version}\0${Bun.revision}\n`);
  const files = readdirSync(src, { recursive: true, encoding: "utf8" }).sort();
  for (const file of files) {
    const stat = statSync(join(src, file));
    if (stat.isFile()) hasher.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hasher.digest("hex").slice(0, 20);
}

/**
 * The precompiled entry for the current sources, built now if there is
 * none; `ok: false` (with the cause) when it cannot be had.
 */
export async function precompiledEntry(options: PrecompileOptions): Promise<Precompiled> {
  const name = `${basename(options.entry, ".ts")}.js`;
  try {
    const key = sourceKey(options.src);
    const folder = join(options.cacheDir, key);
    const path = join(folder, name);
    if (existsSync(path)) return { ok: true, path, built: false };
    mkdirSync(options.cacheDir, { recursive: true });
    // Built aside, then renamed into place: a process starting meanwhile
    // never sees half a runtime, and of two building at once one wins.
    const building = join(options.cacheDir, `.${key}-${process.pid}`);
    rmSync(building, { recursive: true, force: true });
    const result = await Bun.build({
      entrypoints: [options.entry],
      outdir: building,
      target: "bun",
      format: "esm",
      splitting: true,
      packages: "external",
      sourcemap: "linked",
      naming: { entry: "[name].js", chunk: "[name]-[hash].js" },
      plugins: [ownFolders],
      throw: false,
    });
    if (!result.success) {
      rmSync(building, { recursive: true, force: true });
      return { ok: false, reason: result.logs.map(String).join("; ") || "the build failed" };
    }
    try {
      renameSync(building, folder);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(path)) throw error;
    }
    prune(options.cacheDir, key);
    return { ok: true, path, built: true };
  } catch (error) {
    return { ok: false, reason: describeCause(error) };
  }
}

// Spelled in parts: this module is bundled too, and must not rewrite itself.
const META_DIR = ["import", "meta", "dir"].join(".");

/** `import.meta.dir` as the module's own folder in the sources, not the bundle's. */
const ownFolders: Bun.BunPlugin = {
  name: "scalarbot-own-folders",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const text = await Bun.file(path).text();
      if (!text.includes(META_DIR)) return undefined;
      return {
        contents: text.replaceAll(META_DIR, JSON.stringify(dirname(resolve(path)))),
        loader: "ts",
      };
    });
  },
};

/** Removes all but the KEEP newest runtimes (best effort: another process may be pruning too). */
function prune(cacheDir: string, current: string): void {
  try {
    const others = readdirSync(cacheDir)
      .filter((entry) => entry !== current && !entry.startsWith("."))
      .map((entry) => ({ entry, at: statSync(join(cacheDir, entry)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const { entry } of others.slice(KEEP - 1)) {
      rmSync(join(cacheDir, entry), { recursive: true, force: true });
    }
  } catch {
    // A cache left a little fuller is harmless.
  }
}
