/**
 * Reading an archive: its topics, a topic's days, a day's lines, where an
 * event is. Day pages come from the files themselves (always up to date);
 * counts and lookups from the index, with what the index does not hold yet
 * read from the files. Only the newest file of a topic grows (the logger
 * writes no line in an older one), so that is the only one whose size is
 * checked against the index, with files the index has no row for.
 * Never writes: an archive without an index is read from its files alone.
 */
import type { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { ArchiveError } from "./errors.ts";
import { ArchiveDir, type DayFile, type ReadLine, readLines, scanLines } from "./files.ts";
import { isEvent, parseLine } from "./format.ts";
import { openForReading } from "./index-db.ts";
import { topicMatches } from "./names.ts";

export interface TopicSummary {
  topic: string;
  events: number;
  /** The newest event's time, ms. */
  lastAt: number | undefined;
  /** The newest day file's day. */
  lastDay: string | undefined;
}

/** Bytes of a file the index does not hold: [from, to). */
export interface Uncovered {
  file: DayFile;
  from: number;
}

interface IndexedFile {
  folder: string;
  day: string;
  indexed: number;
  events: number;
  last_at: number | null;
}

export class Archive {
  readonly files: ArchiveDir;
  private db: Database | undefined;
  /** When opening the index last failed (there was none yet): tried again after a while. */
  private triedAt = Number.NEGATIVE_INFINITY;
  /** Inside `snapshot`: the index stays the one (or the none) it began with. */
  private reading = false;

  constructor(readonly dir: string) {
    this.files = new ArchiveDir(dir);
  }

  /** The read-only index, opened on first use; undefined while there is none (looked for again every few seconds). */
  get index(): Database | undefined {
    if (this.db === undefined && !this.reading && performance.now() - this.triedAt > 5000) {
      this.db = openForReading(this.dir);
      if (this.db === undefined) this.triedAt = performance.now();
    }
    return this.db;
  }

  /**
   * Runs `read` on one state of the index. A reader asks the index what it
   * holds of each file, reads the rest from the file, and queries the
   * index's events: a logger committing between those reads would give
   * lines twice, or not at all. One read transaction holds the index as it
   * was at the first of them (the logger's WAL lets it write meanwhile).
   */
  snapshot<T>(read: () => T): T {
    if (this.reading) return read();
    const db = this.index;
    this.reading = true;
    try {
      return db === undefined ? read() : db.transaction(read)();
    } finally {
      this.reading = false;
    }
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.triedAt = Number.NEGATIVE_INFINITY;
  }

  topicNames(): string[] {
    return [...this.files.topics().keys()];
  }

  /**
   * The archive's topics that the topics as written name (`#general`,
   * `#general@localhost`); all of them for none. Throws `ArchiveError`
   * (`no_topic`) for one that names none, listing what there is.
   */
  resolveTopics(written: readonly string[]): string[] {
    const all = this.topicNames();
    if (written.length === 0) return all;
    const out = new Set<string>();
    for (const w of written) {
      const found = all.filter((t) => topicMatches(w, t));
      if (found.length === 0) {
        const have = all.length === 0 ? "it has no topics yet" : `it has ${all.join(", ")}`;
        throw new ArchiveError("no_topic", `no logs of ${w} in ${this.dir} (${have})`);
      }
      for (const t of found) out.add(t);
    }
    return [...out];
  }

  /** What the index holds of each file, by `folder/day`. */
  private indexed(topic?: string): Map<string, IndexedFile> {
    const db = this.index;
    if (db === undefined) return new Map();
    const rows = (
      topic === undefined
        ? db.query("SELECT folder, day, indexed, events, last_at FROM files").all()
        : db
            .query(
              "SELECT f.folder, f.day, f.indexed, f.events, f.last_at FROM files f JOIN topics t ON t.id = f.topic_id WHERE t.name = ?",
            )
            .all(topic)
    ) as IndexedFile[];
    return new Map(rows.map((r) => [`${r.folder}/${r.day}`, r]));
  }

  /**
   * The parts of `topics`' files the index does not hold, newest file of
   * each topic and files without a row; days before `sinceDay` left out.
   */
  uncovered(topics: readonly string[], sinceDay?: string): Uncovered[] {
    const out: Uncovered[] = [];
    const rows = this.indexed();
    const folders = this.files.topics();
    for (const topic of topics) {
      const names = this.files.dayNames(topic, folders.get(topic));
      const newest = names.at(-1)?.day;
      for (const name of names) {
        if (sinceDay !== undefined && name.day < sinceDay) continue;
        const row = rows.get(`${name.folder}/${name.day}`);
        // A file with a row is held whole unless it is the newest (the only one that grows).
        if (row !== undefined && name.day !== newest) continue;
        let size: number;
        try {
          size = statSync(name.path).size;
        } catch {
          continue; // pruned meanwhile
        }
        const from = row?.indexed ?? 0;
        if (size > from) out.push({ file: { ...name, size }, from });
      }
    }
    return out;
  }

  /** Each topic with its event count and last activity. */
  summaries(): TopicSummary[] {
    return this.snapshot(() => this.summariesNow());
  }

  private summariesNow(): TopicSummary[] {
    const rows = this.indexed();
    const folders = this.files.topics();
    return [...folders].map(([topic, own]) => {
      let events = 0;
      let lastAt: number | undefined;
      const names = this.files.dayNames(topic, own);
      for (const name of names) {
        const row = rows.get(`${name.folder}/${name.day}`);
        events += row?.events ?? 0;
        if (row?.last_at != null && (lastAt === undefined || row.last_at > lastAt))
          lastAt = row.last_at;
      }
      for (const { file, from } of this.uncovered([topic])) {
        for (const r of readLines(file.path, from)) {
          if (!isEvent(r.line)) continue;
          events++;
          const at = Date.parse(r.line.at);
          if (lastAt === undefined || at > lastAt) lastAt = at;
        }
      }
      return { topic, events, lastAt, lastDay: names.at(-1)?.day };
    });
  }

  /** A topic's days with their event counts, oldest first. */
  days(topic: string): { day: string; events: number }[] {
    return this.snapshot(() => this.daysNow(topic));
  }

  private daysNow(topic: string): { day: string; events: number }[] {
    const rows = this.indexed(topic);
    const counts = new Map<string, number>();
    const uncovered = new Map(
      this.uncovered([topic]).map((u) => [`${u.file.folder}/${u.file.day}`, u.from]),
    );
    for (const file of this.files.files(topic)) {
      const key = `${file.folder}/${file.day}`;
      let n = rows.get(key)?.events ?? 0;
      const from = uncovered.get(key);
      if (from !== undefined) n += readLines(file.path, from).filter((r) => isEvent(r.line)).length;
      counts.set(file.day, (counts.get(file.day) ?? 0) + n);
    }
    return [...counts].map(([day, events]) => ({ day, events }));
  }

  /** The lines of a topic's day, in the order they were written. */
  dayLines(topic: string, day: string): ReadLine[] {
    return this.files
      .files(topic)
      .filter((f) => f.day === day)
      .flatMap((f) => readLines(f.path));
  }

  /** Where `seq` of `epoch` is (the newest such line when no epoch: numbering may have restarted). */
  locate(
    topic: string,
    epoch: string | undefined,
    seq: number,
  ): { day: string; offset: number } | undefined {
    const db = this.index;
    if (db !== undefined) {
      const row = db
        .query(
          `SELECT f.day AS day, e.offset AS offset FROM events e JOIN topics t ON t.id = e.topic_id
           JOIN files f ON f.id = e.file_id
           WHERE t.name = ? AND e.seq = ? AND e.epoch IS ? ORDER BY e.id DESC LIMIT 1`,
        )
        .get(topic, seq, epoch ?? null) as { day: string; offset: number } | null;
      if (row !== null) return row;
    }
    // Not indexed (yet): the files, newest first.
    const rows = this.indexed(topic);
    const files = this.files.files(topic).reverse();
    for (const file of files) {
      const row = rows.get(`${file.folder}/${file.day}`);
      const from = row === undefined ? 0 : row.indexed;
      if (from >= file.size) continue;
      let found: number | undefined;
      scanLines(file.path, from, (raw) => {
        const line = parseLine(raw.text);
        if (line !== undefined && isEvent(line) && line.seq === seq && line.epoch === epoch) {
          found = raw.offset;
        }
      });
      if (found !== undefined) return { day: file.day, offset: found };
    }
    return undefined;
  }
}
