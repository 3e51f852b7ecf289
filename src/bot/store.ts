/**
 * A plugin's persistent key-value store: JSON values under text keys, one
 * namespace per plugin, in the bot's `state.sqlite` beside its cursors.
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
  /** Keys in order, optionally only those starting with `prefix`. */
  keys(prefix?: string): string[];
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
  const list = db.query<{ key: string }, [string]>(
    "SELECT key FROM plugin_store WHERE plugin = ? ORDER BY key",
  );
  return (plugin) => ({
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
        .all(plugin)
        .map((r) => r.key)
        .filter((k) => k.startsWith(prefix));
    },
  });
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
    return {
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
      keys: (prefix = "") => [...map.keys()].filter((k) => k.startsWith(prefix)).sort(),
    };
  };
}
