import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Where a bot keeps, per topic, the last seq every handler finished with.
 * Written at each checkpoint (once per burst of events), read once at start.
 */
export interface CursorStore {
  get(topic: string): number | undefined;
  set(topic: string, seq: number): void;
  /** Saves several cursors at once: all or none. */
  setAll(cursors: ReadonlyMap<string, number>): void;
  close(): void;
}

/** Cursors in `<dir>/state.sqlite` (WAL: a cursor written survives a crash of the process). */
export class SqliteCursorStore implements CursorStore {
  /** The state database (plugin stores share it). */
  readonly database: Database;
  private readonly select;
  private readonly upsert;
  private readonly saveAll: (cursors: ReadonlyMap<string, number>) => void;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.database = new Database(join(dir, "state.sqlite"), { create: true, strict: true });
    this.database.run("PRAGMA journal_mode = WAL");
    this.database.run("PRAGMA synchronous = NORMAL");
    this.database.run(
      "CREATE TABLE IF NOT EXISTS cursors (topic TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
    );
    this.select = this.database.query<{ seq: number }, [string]>(
      "SELECT seq FROM cursors WHERE topic = ?",
    );
    this.upsert = this.database.query<unknown, [string, number]>(
      "INSERT INTO cursors (topic, seq) VALUES (?1, ?2) ON CONFLICT(topic) DO UPDATE SET seq = excluded.seq",
    );
    this.saveAll = this.database.transaction((cursors: ReadonlyMap<string, number>) => {
      for (const [topic, seq] of cursors) this.upsert.run(topic, seq);
    });
  }

  get(topic: string): number | undefined {
    return this.select.get(topic)?.seq;
  }

  set(topic: string, seq: number): void {
    this.upsert.run(topic, seq);
  }

  setAll(cursors: ReadonlyMap<string, number>): void {
    this.saveAll(cursors);
  }

  close(): void {
    this.database.close();
  }
}

export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, number>();
  get(topic: string): number | undefined {
    return this.cursors.get(topic);
  }
  set(topic: string, seq: number): void {
    this.cursors.set(topic, seq);
  }
  setAll(cursors: ReadonlyMap<string, number>): void {
    for (const [topic, seq] of cursors) this.cursors.set(topic, seq);
  }
  close(): void {}
}
