import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Where a topic was read up to: the last seq handled, in the epoch it was read in. */
export interface Cursor {
  seq: number;
  /** The topic's sequence space (protocol §5 Epochs); undefined from servers without epochs. */
  epoch?: string;
}

/**
 * Where a bot keeps, per topic, the last seq every handler finished with,
 * and its epoch. Written at each checkpoint (once per burst of events),
 * read once at start.
 */
export interface CursorStore {
  /** The cursor of `topic`, or undefined when it was never read. */
  read(topic: string): Cursor | undefined;
  /** Its seq alone. */
  get(topic: string): number | undefined;
  set(topic: string, seq: number, epoch?: string): void;
  /** Saves several cursors at once: all or none. */
  setAll(cursors: ReadonlyMap<string, Cursor>): void;
  close(): void;
}

/** Cursors in `<dir>/state.sqlite` (WAL: a cursor written survives a crash of the process). */
export class SqliteCursorStore implements CursorStore {
  /** The state database (plugin stores share it). */
  readonly database: Database;
  private readonly select;
  private readonly upsert;
  private readonly saveAll: (cursors: ReadonlyMap<string, Cursor>) => void;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.database = new Database(join(dir, "state.sqlite"), { create: true, strict: true });
    this.database.run("PRAGMA journal_mode = WAL");
    this.database.run("PRAGMA synchronous = NORMAL");
    this.database.run(
      "CREATE TABLE IF NOT EXISTS cursors (topic TEXT PRIMARY KEY, seq INTEGER NOT NULL, epoch TEXT)",
    );
    // State written before epochs had no epoch column: its cursors keep their
    // seq, and the first `subscribed` tells their epoch.
    const columns = this.database.query<{ name: string }, []>("PRAGMA table_info(cursors)").all();
    if (!columns.some((c) => c.name === "epoch")) {
      this.database.run("ALTER TABLE cursors ADD COLUMN epoch TEXT");
    }
    this.select = this.database.query<{ seq: number; epoch: string | null }, [string]>(
      "SELECT seq, epoch FROM cursors WHERE topic = ?",
    );
    this.upsert = this.database.query<unknown, [string, number, string | null]>(
      "INSERT INTO cursors (topic, seq, epoch) VALUES (?1, ?2, ?3) ON CONFLICT(topic) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch",
    );
    this.saveAll = this.database.transaction((cursors: ReadonlyMap<string, Cursor>) => {
      for (const [topic, cursor] of cursors) {
        this.upsert.run(topic, cursor.seq, cursor.epoch ?? null);
      }
    });
  }

  read(topic: string): Cursor | undefined {
    const row = this.select.get(topic);
    if (row === null) return undefined;
    return row.epoch === null ? { seq: row.seq } : { seq: row.seq, epoch: row.epoch };
  }

  get(topic: string): number | undefined {
    return this.read(topic)?.seq;
  }

  set(topic: string, seq: number, epoch?: string): void {
    this.upsert.run(topic, seq, epoch ?? null);
  }

  setAll(cursors: ReadonlyMap<string, Cursor>): void {
    this.saveAll(cursors);
  }

  close(): void {
    this.database.close();
  }
}

export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, Cursor>();
  read(topic: string): Cursor | undefined {
    return this.cursors.get(topic);
  }
  get(topic: string): number | undefined {
    return this.cursors.get(topic)?.seq;
  }
  set(topic: string, seq: number, epoch?: string): void {
    this.cursors.set(topic, epoch === undefined ? { seq } : { seq, epoch });
  }
  setAll(cursors: ReadonlyMap<string, Cursor>): void {
    for (const [topic, cursor] of cursors) this.cursors.set(topic, { ...cursor });
  }
  close(): void {}
}
