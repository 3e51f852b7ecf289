/**
 * Writing the index (index-db.ts): what a file holds is indexed from where
 * the index stopped, in one transaction a file, so a crash leaves the index
 * at a line boundary of each file, never past what was read. The logger
 * calls `catchUp` at its checkpoint with the length its fsync made durable
 * (never more), and `reconcile` at start; `scalar logs reindex` rebuilds
 * with `reconcile` on an empty index.
 */
import type { Database, Statement } from "bun:sqlite";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { ArchiveError } from "./errors.ts";
import { ArchiveDir, type DayFile, scanLines } from "./files.ts";
import { isEvent, parseLine } from "./format.ts";
import { openForWriting } from "./index-db.ts";

export interface FileRow {
  id: number;
  topic_id: number;
  folder: string;
  day: string;
  indexed: number;
  events: number;
  last_at: number | null;
}

/** Ids of events in the same millisecond: at × 4096 + 0…4095. */
const PER_MS = 4096;

export class ArchiveIndexer {
  private readonly db: Database;
  private readonly topicIds = new Map<string, number>();
  private readonly sql: {
    topic: Statement;
    addTopic: Statement;
    file: Statement<FileRow>;
    addFile: Statement<FileRow>;
    setFile: Statement;
    lastId: Statement<{ id: number | null }>;
    addEvent: Statement;
    addWords: Statement;
    addGrams: Statement;
    fileEvents: Statement<{ id: number; body: string }>;
    dropEvents: Statement;
    dropFile: Statement;
    allFiles: Statement<FileRow>;
  };

  constructor(readonly dir: string) {
    try {
      this.db = openForWriting(dir);
    } catch (error) {
      throw new ArchiveError("index_failed", `cannot open the index of ${dir}: ${String(error)}`, {
        cause: error,
      });
    }
    const db = this.db;
    this.sql = {
      topic: db.prepare("SELECT id FROM topics WHERE name = ?"),
      addTopic: db.prepare("INSERT INTO topics (name) VALUES (?) RETURNING id"),
      file: db.prepare("SELECT * FROM files WHERE folder = ? AND day = ?"),
      addFile: db.prepare(
        "INSERT INTO files (topic_id, folder, day, indexed, events) VALUES (?, ?, ?, 0, 0) RETURNING *",
      ),
      setFile: db.prepare("UPDATE files SET indexed = ?, events = ?, last_at = ? WHERE id = ?"),
      lastId: db.prepare("SELECT max(id) AS id FROM events WHERE id BETWEEN ? AND ?"),
      addEvent: db.prepare(
        "INSERT INTO events (id, file_id, offset, topic_id, epoch, seq, at, sender, kind, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      addWords: db.prepare("INSERT INTO words (rowid, body) VALUES (?, ?)"),
      addGrams: db.prepare("INSERT INTO grams (rowid, body) VALUES (?, ?)"),
      fileEvents: db.prepare("SELECT id, body FROM events WHERE file_id = ? AND body != ''"),
      dropEvents: db.prepare("DELETE FROM events WHERE file_id = ?"),
      dropFile: db.prepare("DELETE FROM files WHERE id = ?"),
      allFiles: db.prepare("SELECT * FROM files"),
    };
  }

  /**
   * Indexes the whole lines of `file` between where the index stopped and
   * `upTo` (a length the caller knows durable); returns the events added.
   * A file shorter than what the index holds of it was cut or replaced:
   * its rows go and it is indexed again from the start.
   */
  catchUp(file: Omit<DayFile, "size">, upTo: number): number {
    try {
      return this.db.transaction(() => this.catchUpNow(file, upTo)).immediate();
    } catch (error) {
      // Ids of topics added by the rolled-back transaction are gone with it.
      this.topicIds.clear();
      if (error instanceof ArchiveError) throw error;
      throw new ArchiveError("index_failed", `cannot index ${file.path}: ${String(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * Brings the index level with the files: what a file holds beyond the
   * index is fsynced and indexed, rows of files that are gone are dropped.
   * `only` limits it to some topics (another logger writes the rest).
   */
  reconcile(only?: (topic: string) => boolean): { events: number; files: number } {
    const archive = new ArchiveDir(this.dir);
    const rows = new Map(this.sql.allFiles.all().map((r) => [`${r.folder}/${r.day}`, r]));
    let events = 0;
    let files = 0;
    for (const file of archive.files()) {
      if (only !== undefined && !only(file.topic)) {
        rows.delete(`${file.folder}/${file.day}`);
        continue;
      }
      const row = rows.get(`${file.folder}/${file.day}`);
      rows.delete(`${file.folder}/${file.day}`);
      if (row !== undefined && row.indexed === file.size) continue;
      // Bytes a crashed run wrote and did not fsync: made durable before they are indexed.
      syncFile(file.path);
      events += this.catchUp(file, file.size);
      files++;
    }
    for (const row of rows.values()) {
      // A file that is gone (pruned, moved by hand): its rows go too.
      this.drop(row.folder, row.day);
    }
    return { events, files };
  }

  /** Empties the index (in place: a logger that has it open goes on with the same file). */
  clear(): void {
    this.db
      .transaction(() => {
        this.db.run("INSERT INTO words (words) VALUES ('delete-all')");
        this.db.run("INSERT INTO grams (grams) VALUES ('delete-all')");
        this.db.run("DELETE FROM events");
        this.db.run("DELETE FROM files");
        this.db.run("DELETE FROM topics");
      })
      .immediate();
    this.topicIds.clear();
  }

  /** Drops the rows of one file (before retention deletes it: the index is never ahead of the files). */
  drop(folder: string, day: string): void {
    try {
      this.db
        .transaction(() => {
          const row = this.sql.file.get(folder, day);
          if (row !== null) this.dropRows(row);
        })
        .immediate();
    } catch (error) {
      throw new ArchiveError(
        "index_failed",
        `cannot drop ${folder}/${day} from the index: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  close(): void {
    this.db.close();
  }

  private catchUpNow(file: Omit<DayFile, "size">, upTo: number): number {
    const topicId = this.topicId(file.topic);
    let row = this.sql.file.get(file.folder, file.day) ?? undefined;
    if (row !== undefined && row.indexed > upTo) {
      this.dropRows(row);
      row = undefined;
    }
    row ??= this.sql.addFile.get(topicId, file.folder, file.day)!;
    if (row.indexed >= upTo) return 0;
    let added = 0;
    let lastAt = row.last_at;
    let lastBase = -1;
    let nextId = 0;
    const end = scanLines(
      file.path,
      row.indexed,
      (raw) => {
        const line = raw.text === "" ? undefined : parseLine(raw.text);
        if (line === undefined || !isEvent(line)) return;
        const at = Date.parse(line.at);
        const ms = Number.isFinite(at) ? Math.max(0, at) : 0;
        const base = ms * PER_MS;
        if (base !== lastBase) {
          const last = this.sql.lastId.get(base, base + PER_MS - 1)?.id ?? null;
          nextId = last === null ? base : last + 1;
          lastBase = base;
        }
        const id = nextId < base + PER_MS ? nextId++ : this.spill(base);
        this.sql.addEvent.run(
          id,
          row.id,
          raw.offset,
          topicId,
          line.epoch ?? null,
          line.seq,
          ms,
          line.from,
          line.kind,
          line.body,
        );
        if (line.body !== "") {
          this.sql.addWords.run(id, line.body);
          this.sql.addGrams.run(id, line.body);
        }
        added++;
        if (lastAt === null || ms > lastAt) lastAt = ms;
      },
      upTo,
    );
    this.sql.setFile.run(end, row.events + added, lastAt, row.id);
    return added;
  }

  /** More than 4096 events in one millisecond: the next free id after it. */
  private spill(base: number): number {
    for (let b = base + PER_MS; ; b += PER_MS) {
      const last = this.sql.lastId.get(b, b + PER_MS - 1)?.id ?? null;
      if (last === null) return b;
      if (last < b + PER_MS - 1) return last + 1;
    }
  }

  private dropRows(row: FileRow): void {
    for (const { id, body } of this.sql.fileEvents.all(row.id)) {
      this.db.run("INSERT INTO words (words, rowid, body) VALUES ('delete', ?, ?)", [id, body]);
      this.db.run("INSERT INTO grams (grams, rowid, body) VALUES ('delete', ?, ?)", [id, body]);
    }
    this.sql.dropEvents.run(row.id);
    this.sql.dropFile.run(row.id);
  }

  private topicId(name: string): number {
    let id = this.topicIds.get(name);
    if (id === undefined) {
      const row = this.sql.topic.get(name) as { id: number } | null;
      id = row?.id ?? (this.sql.addTopic.get(name) as { id: number }).id;
      this.topicIds.set(name, id);
    }
    return id;
  }
}

function syncFile(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch {
    // Read-only or gone: indexed as it reads.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
