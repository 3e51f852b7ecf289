/**
 * Writing the index (index-db.ts): what a file holds is indexed from where
 * the index stopped, in one transaction (a file, or a checkpoint's files),
 * so a crash leaves the index at a line boundary of each file, never past
 * what was read. The logger
 * calls `catchUp` at its checkpoint with the length its fsync made durable
 * (never more), and `reconcile` at start; `scalar logs reindex` rebuilds
 * with `reconcile` on an empty index.
 */
import type { Database, Statement } from "bun:sqlite";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { ArchiveError } from "./errors.ts";
import { ArchiveDir, type DayFile, type RawLine, scanLines } from "./files.ts";
import { type EventLine, isEvent, parseLine } from "./format.ts";
import { openForWriting } from "./index-db.ts";
import { eventTags } from "./tags.ts";

export interface FileRow {
  id: number;
  topic_id: number;
  folder: string;
  day: string;
  indexed: number;
  events: number;
  last_at: number | null;
}

/** A file to catch up to `upTo` bytes, maybe with the lines written there. */
export interface CatchUp {
  file: Omit<DayFile, "size">;
  upTo: number;
  lines?: readonly RawLine[];
}

/** An event line read, to insert. */
interface Found {
  ms: number;
  line: EventLine;
  offset: number;
  fileId: number;
  topicId: number;
  path: string;
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
    addEvent: Statement;
    addWords: Statement;
    addGrams: Statement;
    fileEvents: Statement<{ id: number; body: string; tags: string }>;
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
      addEvent: db.prepare(
        "INSERT OR IGNORE INTO events (id, file_id, offset, topic_id, epoch, seq, at, sender, kind, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      addWords: db.prepare("INSERT INTO words (rowid, body, tags) VALUES (?, ?, ?)"),
      addGrams: db.prepare("INSERT INTO grams (rowid, body) VALUES (?, ?)"),
      fileEvents: db.prepare("SELECT id, body, tags FROM events WHERE file_id = ? AND body != ''"),
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
    return this.catchUpAll([{ file, upTo }]);
  }

  /**
   * `catchUp` of several files in one transaction (a checkpoint's files: one
   * commit). `lines`, when given, are the file's lines from where the index
   * stopped as the caller wrote them: taken as they are when they cover the
   * range exactly, without reading the file back (else it is read).
   */
  catchUpAll(files: readonly CatchUp[]): number {
    if (files.length === 0) return 0;
    try {
      return this.db.transaction(() => this.catchUpNow(files)).immediate();
    } catch (error) {
      // Ids of topics added by the rolled-back transaction are gone with it.
      this.topicIds.clear();
      if (error instanceof ArchiveError) throw error;
      const paths = files.map((f) => f.file.path).join(", ");
      throw new ArchiveError("index_failed", `cannot index ${paths}: ${String(error)}`, {
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
    const byDay = new Map<string, DayFile[]>();
    for (const file of archive.files()) {
      const row = rows.get(`${file.folder}/${file.day}`);
      rows.delete(`${file.folder}/${file.day}`);
      if (only !== undefined && !only(file.topic)) continue;
      if (row !== undefined && row.indexed === file.size) continue;
      byDay.set(file.day, [...(byDay.get(file.day) ?? []), file]);
    }
    for (const row of rows.values()) {
      // A file that is gone (pruned, moved by hand): its rows go too.
      this.drop(row.folder, row.day);
    }
    let events = 0;
    let files = 0;
    // A day of every topic a transaction, oldest day first: few segments, in time order.
    for (const day of [...byDay.keys()].sort()) {
      const batch = byDay.get(day)!;
      // Bytes a crashed run wrote and did not fsync: made durable before they are indexed.
      for (const file of batch) syncFile(file.path);
      events += this.catchUpAll(batch.map((file) => ({ file, upTo: file.size })));
      files += batch.length;
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

  private catchUpNow(files: readonly CatchUp[]): number {
    const found: Found[] = [];
    const done: { row: FileRow; end: number; events: number; lastAt: number | null }[] = [];
    for (const { file, upTo, lines } of files) {
      const topicId = this.topicId(file.topic);
      let row = this.sql.file.get(file.folder, file.day) ?? undefined;
      if (row !== undefined && row.indexed > upTo) {
        this.dropRows(row);
        row = undefined;
      }
      row ??= this.sql.addFile.get(topicId, file.folder, file.day)!;
      if (row.indexed >= upTo) continue;
      const state = { row, end: row.indexed, events: row.events, lastAt: row.last_at };
      const add = (raw: RawLine) => {
        const line = raw.text === "" ? undefined : parseLine(raw.text);
        if (line === undefined || !isEvent(line)) return;
        const at = Date.parse(line.at);
        const ms = Number.isFinite(at) ? Math.max(0, at) : 0;
        found.push({
          ms,
          line,
          offset: raw.offset,
          fileId: state.row.id,
          topicId,
          path: file.path,
        });
        state.events++;
        if (state.lastAt === null || ms > state.lastAt) state.lastAt = ms;
      };
      const given = lines?.filter((l) => l.offset >= state.row.indexed && l.end <= upTo);
      if (given !== undefined && covers(given, row.indexed, upTo)) {
        for (const raw of given) add(raw);
        state.end = upTo;
      } else {
        state.end = scanLines(file.path, row.indexed, add, upTo);
      }
      done.push(state);
    }
    // In time order across the files: FTS5 writes a new segment whenever a rowid goes back.
    found.sort((a, b) => a.ms - b.ms || a.line.seq - b.line.seq);
    for (const f of found) this.insert(f);
    for (const d of done) this.sql.setFile.run(d.end, d.events, d.lastAt, d.row.id);
    return found.length;
  }

  private insert({ ms, line, offset, fileId, topicId, path }: Found): void {
    // The seq's own slot in its millisecond keeps a topic's order; taken (another topic), the next one.
    let id = ms * PER_MS + (line.seq % PER_MS);
    const values = [
      fileId,
      offset,
      topicId,
      line.epoch ?? null,
      line.seq,
      ms,
      line.from,
      line.kind,
      line.body,
    ] as const;
    for (let tries = 0; this.sql.addEvent.run(id, ...values).changes === 0; tries++, id++) {
      if (tries === PER_MS) {
        throw new ArchiveError(
          "index_failed",
          `${path} at ${offset} is in the index already, or its millisecond is full`,
        );
      }
    }
    if (line.body !== "") {
      this.sql.addWords.run(id, line.body, eventTags(topicId, line.from));
      this.sql.addGrams.run(id, line.body);
    }
  }

  private dropRows(row: FileRow): void {
    for (const { id, body, tags } of this.sql.fileEvents.all(row.id)) {
      this.db.run("INSERT INTO words (words, rowid, body, tags) VALUES ('delete', ?, ?, ?)", [
        id,
        body,
        tags,
      ]);
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

/** Whether `lines` are exactly the whole lines of [from, to). */
function covers(lines: readonly RawLine[], from: number, to: number): boolean {
  let at = from;
  for (const l of lines) {
    if (l.offset !== at) return false;
    at = l.end;
  }
  return at === to;
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
