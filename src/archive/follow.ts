/**
 * Following an archive as the logger writes it: new whole lines of the
 * topics' newest files, and of files and topic folders that appear, handed
 * on in each topic's order. Woken by file-system events, with a slow poll
 * behind them (events can be missed on some file systems).
 */
import { type FSWatcher, watch } from "node:fs";
import { join } from "node:path";
import type { ArchiveDir, DayFile } from "./files.ts";
import { scanLines } from "./files.ts";
import { parseLine } from "./format.ts";
import type { Entry } from "./list.ts";

export interface FollowOptions {
  /** The topics to follow; all (also ones that appear) when undefined. */
  topics?: (topic: string) => boolean;
  /**
   * Where to start in a file that is there at the start: a byte offset, or
   * undefined to skip the file. Default: at its end (only what comes next).
   */
  start?: (file: DayFile) => number | undefined;
  /** New lines, in order for each topic. */
  onEntries: (entries: Entry[]) => void;
  /** Poll interval behind the file-system events, ms (default 1000). */
  pollMs?: number;
}

export class Follower {
  /** Where reading goes on, by file path; files not here are read from 0 when they appear. */
  private readonly offsets = new Map<string, number>();
  /** The newest day seen of each topic: older files never grow. */
  private readonly newest = new Map<string, string>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timer: ReturnType<typeof setInterval>;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly archive: ArchiveDir,
    private readonly options: FollowOptions,
  ) {
    const start = options.start ?? ((f: DayFile) => f.size);
    for (const file of this.archive.files()) {
      if (!this.wants(file.topic)) continue;
      const at = start(file);
      this.offsets.set(file.path, at ?? Number.POSITIVE_INFINITY);
      const newest = this.newest.get(file.topic);
      if (newest === undefined || file.day > newest) this.newest.set(file.topic, file.day);
    }
    this.watch(archive.dir);
    for (const [topic, folders] of archive.topics()) {
      if (this.wants(topic)) for (const f of folders) this.watch(join(archive.dir, f));
    }
    this.timer = setInterval(() => this.check(), options.pollMs ?? 1000);
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private wants(topic: string): boolean {
    return this.options.topics === undefined || this.options.topics(topic);
  }

  private watch(path: string): void {
    if (this.watchers.has(path)) return;
    try {
      const watcher = watch(path, () => this.schedule());
      watcher.on("error", () => {
        watcher.close();
        this.watchers.delete(path);
      });
      this.watchers.set(path, watcher);
    } catch {
      // Gone meanwhile, or no watching here: the poll covers it.
    }
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.check();
    });
  }

  /** Reads what is new in every followed topic. */
  check(): void {
    if (this.closed) return;
    for (const [topic, folders] of this.archive.topics()) {
      if (!this.wants(topic)) continue;
      for (const f of folders) this.watch(join(this.archive.dir, f));
      const newest = this.newest.get(topic);
      const out: Entry[] = [];
      for (const file of this.archive.files(topic, folders)) {
        if (newest !== undefined && file.day < newest) continue;
        const from = this.offsets.get(file.path) ?? 0;
        if (from >= file.size) continue;
        const end = scanLines(file.path, from, (raw) => {
          const line = raw.text === "" ? undefined : parseLine(raw.text);
          if (line !== undefined)
            out.push({
              topic,
              day: file.day,
              offset: raw.offset,
              end: raw.end,
              line,
              text: raw.text,
            });
        });
        this.offsets.set(file.path, end);
        if (newest === undefined || file.day > newest) this.newest.set(topic, file.day);
      }
      if (out.length > 0 && !this.closed) this.options.onEntries(out);
    }
  }
}
