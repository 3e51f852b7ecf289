/**
 * A plugin's persistent key-value store: JSON values under text keys, one
 * namespace per plugin, in the bot's `state.sqlite` beside its cursors.
 * Writes go to the database at once (unlike sessions and conversations,
 * which wait for the checkpoint of their event).
 */
import type { Database } from "bun:sqlite";

export interface Store {
  /** The value stored under `key`, or undefined. */
  get<T = unknown>(key: string): T | undefined;
  /** Stores `value` (anything `JSON.stringify` takes); `undefined` deletes. */
  set(key: string, value: unknown): void;
  /** Deletes `key`; returns whether it was there. */
  delete(key: string): boolean;
  has(key: string): boolean;
  /**
   * The keys that start with `prefix` (every key without one), sorted in
   * JavaScript string order (UTF-16 code units, as `Array.sort`): a copy,
   * taken now, that later writes do not change.
   */
  keys(prefix?: string): string[];
  /**
   * Reads `key`, stores what `fn` returns for it (`undefined` deletes),
   * and returns that, as one transaction: no other write comes between the
   * read and the write, and a crash leaves the old value or the new one.
   * `fn` must be synchronous (a promise is refused with a TypeError).
   *
   * @example store.update<number>("count", (n = 0) => n + 1)
   */
  update<T>(key: string, fn: (value: T | undefined) => T | undefined): T | undefined;
}

/** Opens one namespace's store. */
export type StoreFactory = (namespace: string) => Store;

/** Stores in a table of `db`, created if missing. */
export function sqliteStores(db: Database): StoreFactory {
  db.run(
    "CREATE TABLE IF NOT EXISTS plugin_store (plugin TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (plugin, key)) WITHOUT ROWID",
  );
  const select = db.query<{ value: string }, [string, string]>(
    "SELECT value FROM plugin_store WHERE plugin = ? AND key = ?",
  );
  const upsert = db.query<unknown, [string, string, string]>(
    "INSERT INTO plugin_store (plugin, key, value) VALUES (?1, ?2, ?3) ON CONFLICT(plugin, key) DO UPDATE SET value = excluded.value",
  );
  const remove = db.query<unknown, [string, string]>(
    "DELETE FROM plugin_store WHERE plugin = ? AND key = ?",
  );
  const list = db.query<{ key: string }, [string, string]>(
    "SELECT key FROM plugin_store WHERE plugin = ?1 AND substr(key, 1, length(?2)) = ?2",
  );
  return (plugin) => {
    const store: Store = {
      get<T>(key: string): T | undefined {
        const row = select.get(plugin, key);
        return row === null ? undefined : (JSON.parse(row.value) as T);
      },
      set(key: string, value: unknown): void {
        if (value === undefined) remove.run(plugin, key);
        else upsert.run(plugin, key, JSON.stringify(value));
      },
      delete(key: string): boolean {
        return remove.run(plugin, key).changes > 0;
      },
      has(key: string): boolean {
        return select.get(plugin, key) !== null;
      },
      keys(prefix = ""): string[] {
        return list
          .all(plugin, prefix)
          .map((r) => r.key)
          .sort(byCodeUnits);
      },
      update<T>(key: string, fn: (value: T | undefined) => T | undefined): T | undefined {
        return db.transaction(() => updateWith(store, key, fn)).immediate();
      },
    };
    return store;
  };
}

/** The read, `fn` and the write of `update`. */
function updateWith<T>(
  store: Store,
  key: string,
  fn: (value: T | undefined) => T | undefined,
): T | undefined {
  const next = fn(store.get<T>(key));
  if (next instanceof Promise) {
    throw new TypeError(`store.update(${JSON.stringify(key)}): fn must be synchronous`);
  }
  store.set(key, next);
  return next;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stores in memory (bots without a state database, tests). Values are copied through JSON. */
export function memoryStores(): StoreFactory {
  const spaces = new Map<string, Map<string, string>>();
  return (plugin) => {
    let space = spaces.get(plugin);
    if (space === undefined) {
      space = new Map();
      spaces.set(plugin, space);
    }
    const map = space;
    const store: Store = {
      get<T>(key: string): T | undefined {
        const raw = map.get(key);
        return raw === undefined ? undefined : (JSON.parse(raw) as T);
      },
      set(key: string, value: unknown): void {
        if (value === undefined) map.delete(key);
        else map.set(key, JSON.stringify(value));
      },
      delete: (key) => map.delete(key),
      has: (key) => map.has(key),
      keys: (prefix = "") => [...map.keys()].filter((k) => k.startsWith(prefix)).sort(byCodeUnits),
      update: (key, fn) => updateWith(store, key, fn),
    };
    return store;
  };
}
