/**
 * What the logger does for the archive beside writing lines: it renames
 * folders of older versions to readable names, keeps the index in step with
 * the files, and applies retention.
 *
 * The index follows the files, never leads them: at each checkpoint it
 * takes in the lines of each file up to the length the fsync just made
 * durable, in the same checkpoint hook, before the bot saves its cursors.
 * At start it is caught up from the files (lines a crash left un-indexed,
 * an archive of an older version). A failure of the index is said once and
 * does not fail the checkpoint: the files are the record, readers cover
 * what the index lacks from the files, and the next checkpoint tries again.
 */
import {
  ArchiveIndexer,
  migrateFolders,
  otherWriters,
  prune,
  registerWriter,
  topicFolder,
  utcDay,
} from "../../archive/index.ts";
import type { Log } from "../../bot/index.ts";
import { describe, type WrittenLine } from "./files.ts";

export interface KeeperOptions {
  /** Keep the index (default true). */
  index?: boolean;
  /** Delete day files older than this (ms), with their index rows. */
  retainMs?: number;
  log: Log;
}

interface Durable {
  topic: string;
  folder: string;
  day: string;
  path: string;
  length: number;
  /** The lines written up to `length` since the last checkpoint: indexed without reading the file back. */
  lines: WrittenLine[];
}

export class ArchiveKeeper {
  private indexer: ArchiveIndexer | undefined;
  private unregister: (() => void) | undefined;
  /** Another logger writes this folder too: only our topics are ours to catch up and prune. */
  private readonly shared: boolean;
  private readonly started = new Set<string>();
  private readonly pending = new Map<string, Durable>();
  private prunedOn: string | undefined;
  private failing = false;

  constructor(
    readonly dir: string,
    private readonly options: KeeperOptions,
  ) {
    const { moved, kept } = migrateFolders(dir);
    for (const [from, to] of moved) options.log.info(`renamed ${from} to ${to} in ${dir}`);
    for (const path of kept) {
      options.log.warn(
        `${dir}/${path} stays where it is: the readable folder has that day too (both are read)`,
      );
    }
    this.shared = otherWriters(dir).length > 0;
    if (options.index ?? true) {
      try {
        this.indexer = new ArchiveIndexer(dir);
        this.unregister = registerWriter(dir);
        if (!this.shared) this.caughtUp(this.indexer.reconcile());
      } catch (error) {
        this.indexer?.close();
        this.indexer = undefined;
        options.log.error(
          `${describe(error)}; no index is kept this run (searches read the files), \`scalar logs reindex\` builds it`,
        );
      }
    }
    this.prune();
  }

  /** A topic the logger writes, at its first line: caught up now when others write the folder too. */
  topicStarted(topic: string): void {
    if (this.started.has(topic)) return;
    this.started.add(topic);
    if (!this.shared || this.indexer === undefined) return;
    try {
      this.caughtUp(this.indexer.reconcile((t) => t === topic));
    } catch (error) {
      this.fail(error);
    }
  }

  /** `length` bytes of `path` (a file of `topic`'s on `day`) are durable; `lines` were written up to there. */
  durable(topic: string, day: string, path: string, length: number, lines: WrittenLine[]): void {
    const known = this.pending.get(path);
    const all = known === undefined ? lines : [...known.lines, ...lines];
    this.pending.set(path, { topic, folder: topicFolder(topic), day, path, length, lines: all });
  }

  /** The checkpoint: the index takes in what became durable; once a day, retention. */
  checkpoint(now = new Date()): void {
    const indexer = this.indexer;
    if (indexer !== undefined) {
      try {
        indexer.catchUpAll(
          [...this.pending.values()].map((file) => ({
            file,
            upTo: file.length,
            lines: file.lines,
          })),
        );
        this.pending.clear();
        if (this.failing) this.options.log.info(`indexing ${this.dir} again`);
        this.failing = false;
      } catch (error) {
        this.fail(error);
      }
    } else {
      this.pending.clear();
    }
    if (this.prunedOn !== utcDay(now)) this.prune(now);
  }

  close(): void {
    this.checkpoint();
    this.indexer?.close();
    this.indexer = undefined;
    this.unregister?.();
  }

  private prune(now = new Date()): void {
    this.prunedOn = utcDay(now);
    const retainMs = this.options.retainMs;
    if (retainMs === undefined) return;
    try {
      const removed = prune(this.dir, retainMs, {
        ...(this.indexer === undefined ? {} : { indexer: this.indexer }),
        now: now.getTime(),
        ...(this.shared ? { topics: (t: string) => this.started.has(t) } : {}),
      });
      if (removed.length > 0) {
        this.options.log.info(
          `retention: deleted ${removed.length} day file(s) of ${this.dir} older than the retention period`,
        );
      }
    } catch (error) {
      this.options.log.error(
        `retention in ${this.dir} failed: ${describe(error)} (tried again tomorrow)`,
      );
    }
  }

  private caughtUp({ events, files }: { events: number; files: number }): void {
    if (events > 0)
      this.options.log.info(`indexed ${events} event(s) of ${files} file(s) in ${this.dir}`);
  }

  private fail(error: unknown): void {
    if (!this.failing) {
      this.options.log.error(
        `${describe(error)}; searches read what the index lacks from the files, and indexing is tried again at the next checkpoint`,
      );
    }
    this.failing = true;
  }
}
