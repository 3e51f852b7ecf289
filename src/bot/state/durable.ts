/**
 * Plugin state that moves with the cursors (sessions, conversations): a
 * value written while an event is handled reaches the state database in the
 * same transaction as a cursor at or past that event, never before. After a
 * crash the state is exactly what the saved cursors say was handled, so the
 * events handed on again (`replayed`) apply once more to the state as it
 * was before them — each exactly once.
 *
 * Until a checkpoint takes it, a write is a pending version of its key,
 * tagged with the event it was written for. A checkpoint writes, per key,
 * the newest version whose own event and every older version's event are
 * covered by the cursors being saved (a version includes what came before
 * it). A failed checkpoint drops every pending version (the bot goes back
 * to its saved cursors and hands those events on again).
 */
import type { Database } from "bun:sqlite";
import type { Cursor } from "../../client/cursor-store.ts";

/** The event a write was made for: its topic's position, and the dispatch generation. */
export interface Position {
  readonly topic: string;
  readonly seq: number;
  readonly epoch: string | undefined;
  /** Dispatch generation (`Dispatcher.generation`): a rewind makes older ones stale. */
  readonly generation: number;
}

/** Where saved values live: a sqlite table, or a map for bots without a state database. */
interface Backend {
  read(space: string, key: string): string | undefined;
  all(space: string): [string, string][];
  write(space: string, key: string, value: string | undefined): void;
}

interface Version {
  /** JSON text; undefined deletes. */
  value: string | undefined;
  /** Undefined: not tied to an event (a timer's write, a direct message). */
  at: Position | undefined;
}

export interface DurableStateOptions {
  /** The cursor saved for `topic` before this checkpoint. */
  saved(topic: string): Cursor | undefined;
  /** The dispatcher's generation now. */
  generation(): number;
  /** Something is pending: a checkpoint should run. */
  changed(): void;
}

const SEP = "\u0000";

export class DurableState {
  private readonly backend: Backend;
  /** Pending versions by `space\0key`, oldest first. */
  private readonly versions = new Map<string, Version[]>();
  /** Epoch of the latest write seen per topic (events are handled in order). */
  private readonly epochs = new Map<string, string | undefined>();
  private readonly discardHooks: (() => void)[] = [];

  constructor(
    db: Database | undefined,
    private readonly options: DurableStateOptions,
  ) {
    this.backend = db === undefined ? memoryBackend() : sqliteBackend(db);
  }

  /** True while some write waits for a checkpoint. */
  get pending(): boolean {
    return this.versions.size > 0;
  }

  /** The value of `key` in `space` now (pending included), as JSON text. */
  get(space: string, key: string): string | undefined {
    const list = this.versions.get(space + SEP + key);
    if (list !== undefined) return list[list.length - 1]!.value;
    return this.backend.read(space, key);
  }

  /** Every key and value of `space` now (pending included), keys in order. */
  entries(space: string): [string, string][] {
    const merged = new Map(this.backend.all(space));
    const prefix = space + SEP;
    for (const [full, list] of this.versions) {
      if (!full.startsWith(prefix)) continue;
      const value = list[list.length - 1]!.value;
      const key = full.slice(prefix.length);
      if (value === undefined) merged.delete(key);
      else merged.set(key, value);
    }
    return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Writes `value` (JSON text; undefined deletes) for the event at `at`.
   * A write for an event a rewind discarded is dropped: that event is
   * handled again.
   */
  set(space: string, key: string, value: string | undefined, at?: Position): void {
    if (at !== undefined) {
      if (at.generation !== this.options.generation()) return;
      this.epochs.set(at.topic, at.epoch);
    }
    const full = space + SEP + key;
    let list = this.versions.get(full);
    if (list === undefined) {
      list = [];
      this.versions.set(full, list);
    }
    const last = list[list.length - 1];
    // A version covered whenever the one after it is can go: a later event
    // of the same topic (or another untied write) replaces it.
    if (last !== undefined && sameLane(last.at, at)) {
      last.value = value;
      last.at = at;
    } else list.push({ value, at });
    this.options.changed();
  }

  /** Called after pending versions were dropped (owners of caches reload). */
  onDiscard(fn: () => void): void {
    this.discardHooks.push(fn);
  }

  /**
   * Writes what `cursors` (saved in the same transaction) cover. Runs
   * inside the checkpoint's transaction.
   */
  flush(cursors: ReadonlyMap<string, Cursor>): void {
    for (const [full, list] of this.versions) {
      let covered = 0;
      while (covered < list.length && this.covers(cursors, list[covered]!.at)) covered++;
      if (covered === 0) continue;
      const sep = full.indexOf(SEP);
      this.backend.write(full.slice(0, sep), full.slice(sep + 1), list[covered - 1]!.value);
      if (covered === list.length) this.versions.delete(full);
      else list.splice(0, covered);
    }
  }

  /** Drops every pending version (a checkpoint failed: the bot rewinds). */
  discard(): void {
    this.versions.clear();
    for (const hook of this.discardHooks) hook();
  }

  private covers(cursors: ReadonlyMap<string, Cursor>, at: Position | undefined): boolean {
    if (at === undefined) return true;
    const cursor = cursors.get(at.topic) ?? this.options.saved(at.topic);
    if (cursor === undefined) return false;
    if (cursor.epoch === at.epoch) return cursor.seq >= at.seq;
    // Another epoch: the topic moved on past this write's epoch (covered),
    // unless this write is of the newest epoch and the cursor lags in an old one.
    return this.epochs.get(at.topic) !== at.epoch;
  }
}

function sameLane(a: Position | undefined, b: Position | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.topic === b.topic && a.epoch === b.epoch && a.generation === b.generation;
}

function sqliteBackend(db: Database): Backend {
  db.run(
    "CREATE TABLE IF NOT EXISTS bot_state (space TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (space, key)) WITHOUT ROWID",
  );
  const select = db.query<{ value: string }, [string, string]>(
    "SELECT value FROM bot_state WHERE space = ? AND key = ?",
  );
  const all = db.query<{ key: string; value: string }, [string]>(
    "SELECT key, value FROM bot_state WHERE space = ?",
  );
  const upsert = db.query<unknown, [string, string, string]>(
    "INSERT INTO bot_state (space, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(space, key) DO UPDATE SET value = excluded.value",
  );
  const remove = db.query<unknown, [string, string]>(
    "DELETE FROM bot_state WHERE space = ? AND key = ?",
  );
  return {
    read: (space, key) => select.get(space, key)?.value,
    all: (space) => all.all(space).map((r) => [r.key, r.value]),
    write: (space, key, value) => {
      if (value === undefined) remove.run(space, key);
      else upsert.run(space, key, value);
    },
  };
}

function memoryBackend(): Backend {
  const saved = new Map<string, Map<string, string>>();
  const spaceOf = (space: string) => {
    let map = saved.get(space);
    if (map === undefined) {
      map = new Map();
      saved.set(space, map);
    }
    return map;
  };
  return {
    read: (space, key) => saved.get(space)?.get(key),
    all: (space) => [...(saved.get(space) ?? [])],
    write: (space, key, value) => {
      if (value === undefined) saved.get(space)?.delete(key);
      else spaceOf(space).set(key, value);
    },
  };
}
