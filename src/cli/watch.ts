/**
 * `scalar run --watch`: the configuration file and every plugin module's
 * own files (the module and the project files it imports) are watched,
 * and a change reloads what it touches in place (src/config/reload.ts):
 * the bots stay connected, what fails to load keeps the running version.
 *
 * Editors save in several steps — truncate then write, or write a
 * temporary file and rename it over the old one — so the folders are
 * watched rather than the files (a rename replaces the file a watch on it
 * follows), changes are gathered until the files are quiet for a moment,
 * and a file whose content is what it was is left alone.
 */
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Runner } from "./runner.ts";

/** How long the files must be quiet before a change is acted on (ms). */
const QUIET = 100;

/** Watches a set of files; calls `changed` with those whose content changed, one call at a time. */
export class FileWatch {
  private readonly folders = new Map<string, FSWatcher>();
  /** Each followed file, with a hash of its content as last seen (undefined: unreadable). */
  private readonly files = new Map<string, number | bigint | undefined>();
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly changed: (files: string[]) => Promise<void>,
    private readonly quiet = QUIET,
  ) {}

  /** Follows exactly `files` from now on (absolute paths). */
  follow(files: Iterable<string>): void {
    if (this.closed) return;
    const wanted = new Set(files);
    for (const file of [...this.files.keys()]) if (!wanted.has(file)) this.files.delete(file);
    for (const file of wanted) if (!this.files.has(file)) this.files.set(file, contentHash(file));
    const dirs = new Set([...wanted].map((f) => dirname(f)));
    for (const [dir, watcher] of this.folders) {
      if (dirs.has(dir)) continue;
      watcher.close();
      this.folders.delete(dir);
    }
    for (const dir of dirs) {
      if (this.folders.has(dir)) continue;
      try {
        this.folders.set(
          dir,
          watch(dir, (_event, name) => this.saw(dir, name)),
        );
      } catch {
        // A folder that does not exist (a plugin's module was deleted): nothing to watch there.
      }
    }
  }

  /** Resolves once the changes seen so far were handled. */
  async settled(): Promise<void> {
    await this.running;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const watcher of this.folders.values()) watcher.close();
    this.folders.clear();
  }

  private saw(dir: string, name: string | Buffer | null): void {
    if (name === null) {
      // The platform did not say which file: each followed one of the folder may have changed.
      for (const file of this.files.keys()) if (dirname(file) === dir) this.pending.add(file);
    } else {
      const file = join(dir, basename(String(name)));
      if (!this.files.has(file)) return;
      this.pending.add(file);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.quiet);
  }

  private flush(): void {
    this.timer = undefined;
    const seen = [...this.pending];
    this.pending.clear();
    this.running = this.running.then(async () => {
      if (this.closed) return;
      const changed = seen.filter((file) => {
        if (!this.files.has(file)) return false;
        const hash = contentHash(file);
        if (hash === this.files.get(file)) return false;
        this.files.set(file, hash);
        return true;
      });
      if (changed.length > 0) await this.changed(changed);
    });
  }
}

function contentHash(file: string): number | bigint | undefined {
  try {
    return Bun.hash(readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * Watches `runner`'s configuration file and plugin files and reloads in
 * place what a change touches; what it did and what failed is logged by
 * the runner (failures located, file:line).
 */
export function watchRunner(runner: Runner): FileWatch {
  const config = runner.loaded.file;
  const files = new FileWatch(async (changed) => {
    try {
      const modules = changed.filter((f) => f !== config);
      if (modules.length > 0) await runner.reloadFiles(modules);
      if (changed.includes(config)) await runner.reloadConfig();
    } catch (error) {
      runner.log(`reload failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    files.follow(runner.watchedFiles());
  });
  const watched = runner.watchedFiles();
  files.follow(watched);
  runner.log(`watching ${watched.length} file${watched.length === 1 ? "" : "s"} for changes`);
  return files;
}
