/**
 * The archive's index: an SQLite database in `<dir>/.index/archive.sqlite`
 * that mirrors the event lines of the day files, for word search (FTS5,
 * unicode61 without diacritics, ranked by bm25), substring search (FTS5
 * trigram) and counts. It is derived data: the files are the record, and a
 * row says which file and byte offset its line is at.
 *
 * Event rows are keyed by time: id = at in ms × 4096 + a counter, so the
 * full-text tables' rowid order is time order and "newest first" stops
 * after a page. The word index also holds each event's topic and sender as
 * tags (tags.ts), so a search of one channel or sender is one intersection
 * of lists, not a walk through every hit. `files.indexed` is how many bytes of each file the index
 * holds: a reader covers the rest by reading the files themselves.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

export const INDEX_FOLDER = ".index";
export const SCHEMA_VERSION = "3";

export function indexPath(dir: string): string {
  return join(dir, INDEX_FOLDER, "archive.sqlite");
}

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  topic_id INTEGER NOT NULL,
  folder TEXT NOT NULL,
  day TEXT NOT NULL,
  indexed INTEGER NOT NULL,
  events INTEGER NOT NULL,
  last_at INTEGER,
  UNIQUE (folder, day)
);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  topic_id INTEGER NOT NULL,
  epoch TEXT,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  sender TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  -- Words of the full-text index for the topic and the sender's local part (tags.ts): not stored.
  tags TEXT GENERATED ALWAYS AS (
    't' || topic_id || ' s' || hex(substr(sender, 1, instr(sender, '@') - 1))
  ) VIRTUAL
);
CREATE UNIQUE INDEX events_line ON events (file_id, offset);
CREATE INDEX events_seq ON events (topic_id, seq);
CREATE VIRTUAL TABLE words USING fts5 (
  body, tags, content = 'events', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO words (words, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
CREATE VIRTUAL TABLE grams USING fts5 (
  body, content = 'events', content_rowid = 'id', tokenize = 'trigram', detail = 'none', columnsize = 0
);
`;

/** Opens (creating, or rebuilding one of another version) the index of `dir` for writing. */
export function openForWriting(dir: string): Database {
  const path = indexPath(dir);
  mkdirSync(join(dir, INDEX_FOLDER), { recursive: true });
  let db = new Database(path, { create: true });
  tune(db);
  if (version(db) !== SCHEMA_VERSION) {
    if (version(db) !== undefined) {
      // Another version's index: rebuilt from the files, which are the record.
      db.close();
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
      db = new Database(path, { create: true });
      tune(db);
    }
    db.transaction(() => {
      db.run(SCHEMA);
      db.run("INSERT INTO meta (key, value) VALUES ('version', ?)", [SCHEMA_VERSION]);
    })();
  }
  return db;
}

/** Opens the index of `dir` to read; undefined when there is none (an archive of an older version) or of another version. */
export function openForReading(dir: string): Database | undefined {
  const path = indexPath(dir);
  if (!existsSync(path)) return undefined;
  let db: Database;
  try {
    db = new Database(path, { readonly: true });
    db.run("PRAGMA busy_timeout = 5000");
  } catch {
    return undefined;
  }
  if (version(db) !== SCHEMA_VERSION) {
    db.close();
    return undefined;
  }
  return db;
}

function tune(db: Database): void {
  // WAL: readers never block the logger. synchronous=NORMAL may lose the
  // last transactions on power loss, never the database: the index is then
  // behind the files, and caught up from them at the next start.
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  db.run("PRAGMA busy_timeout = 5000");
}

function version(db: Database): string | undefined {
  try {
    const row = db.query("SELECT value FROM meta WHERE key = 'version'").get() as {
      value: string;
    } | null;
    return row?.value;
  } catch {
    return undefined;
  }
}
