import { Database, type Statement } from "bun:sqlite";
import {
  fillPage,
  type HistoryStore,
  type Page,
  type Selection,
  type TopicState,
} from "./store.ts";

interface Pending {
  topic: string;
  seq: number;
  at: number;
  message: boolean;
  payload: Uint8Array;
}

interface Row {
  seq: number;
  payload: Uint8Array;
}

/**
 * History in SQLite (WAL). Keeps the newest `limit` events per topic and
 * each topic's latest seq and `at`, so counters continue after a restart.
 *
 * Appends are batched: they are queued and written in one transaction on the
 * next microtask (or before any read), so a burst of events costs one commit.
 */
export class SqliteHistoryStore implements HistoryStore {
  private readonly db: Database;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private readonly channels = new Set<string>();
  private readonly insertEvent: Statement;
  private readonly upsertTopic: Statement;
  private readonly trim: Statement;
  private readonly hasMessage: Statement;
  private readonly selectAfter: Statement<Row>;
  private readonly selectSince: Statement<Row>;
  private readonly nthNewest: Statement<{ seq: number }>;
  private readonly selectLatest: Statement<TopicState>;
  private closed = false;

  /**
   * @param onError where a failed background write goes (default: thrown,
   *   which Bun reports as an uncaught error).
   */
  constructor(
    path: string,
    private readonly limit = 10_000,
    private readonly onError: (error: unknown) => void = (error) => {
      throw error;
    },
  ) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run(`CREATE TABLE IF NOT EXISTS events (
      topic TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
      message INTEGER NOT NULL, payload BLOB NOT NULL,
      PRIMARY KEY (topic, seq)) WITHOUT ROWID`);
    this.db.run("CREATE INDEX IF NOT EXISTS events_at ON events (topic, at)");
    this.db.run(`CREATE TABLE IF NOT EXISTS topics (
      topic TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`);
    this.insertEvent = this.db.query(
      "INSERT OR REPLACE INTO events (topic, seq, at, message, payload) VALUES ($topic, $seq, $at, $message, $payload)",
    );
    this.upsertTopic = this.db.query(
      `INSERT INTO topics (topic, seq, at) VALUES ($topic, $seq, $at)
       ON CONFLICT (topic) DO UPDATE SET seq = excluded.seq, at = excluded.at`,
    );
    this.trim = this.db.query("DELETE FROM events WHERE topic = $topic AND seq <= $seq");
    this.hasMessage = this.db.query(
      "SELECT 1 AS one FROM events WHERE topic = $topic AND message = 1 LIMIT 1",
    );
    this.selectAfter = this.db.query(
      "SELECT seq, payload FROM events WHERE topic = $topic AND seq > $after ORDER BY seq LIMIT $limit",
    );
    this.selectSince = this.db.query(
      "SELECT seq, payload FROM events WHERE topic = $topic AND at >= $since ORDER BY seq LIMIT $limit",
    );
    this.nthNewest = this.db.query(
      "SELECT seq FROM events WHERE topic = $topic ORDER BY seq DESC LIMIT 1 OFFSET $offset",
    );
    this.selectLatest = this.db.query("SELECT seq, at FROM topics WHERE topic = $topic");
    const rows = this.db
      .query<{ topic: string }, []>(
        "SELECT DISTINCT topic FROM events WHERE message = 1 AND topic LIKE '#%'",
      )
      .all();
    for (const row of rows) this.channels.add(row.topic);
  }

  keeps(): boolean {
    return true;
  }

  append(topic: string, seq: number, at: number, message: boolean, payload: Uint8Array): void {
    this.pending.push({ topic, seq, at, message, payload });
    if (message && topic.startsWith("#")) this.channels.add(topic);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        try {
          this.flush();
        } catch (error) {
          this.onError(error);
        }
      });
    }
  }

  commit(): void {
    this.flush();
  }

  /** Writes queued appends in one transaction. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    const batch = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      const newest = new Map<string, Pending>();
      for (const e of batch) {
        this.insertEvent.run({
          topic: e.topic,
          seq: e.seq,
          at: e.at,
          message: e.message ? 1 : 0,
          payload: e.payload,
        });
        newest.set(e.topic, e);
      }
      for (const [topic, e] of newest) {
        this.upsertTopic.run({ topic, seq: e.seq, at: e.at });
        if (e.seq > this.limit) {
          const trimmed = this.trim.run({ topic, seq: e.seq - this.limit });
          if (trimmed.changes > 0 && this.hasMessage.get({ topic }) === null) {
            this.channels.delete(topic);
          }
        }
      }
    })();
  }

  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page {
    this.flush();
    // One row past the page tells whether the selection goes on, without
    // counting it: a count is a scan of everything after the cursor, which
    // made paging through a long history quadratic.
    let rows: Row[];
    let want = limit;
    if ("since" in selection) {
      rows = this.selectSince.all({ topic, since: selection.since, limit: want + 1 });
    } else {
      let after: number;
      if ("after" in selection) {
        after = selection.after;
      } else {
        // `last: N` is fixed when asked: the newest N events that exist now,
        // so the page never reaches past them.
        want = Math.min(limit, selection.last);
        const first =
          selection.last === 0 ? null : this.nthNewest.get({ topic, offset: selection.last - 1 });
        after = first === null ? -1 : first.seq - 1;
      }
      rows = want === 0 ? [] : this.selectAfter.all({ topic, after, limit: want + 1 });
    }
    let index = 0;
    const next = () => rows[index++]?.payload;
    return fillPage(next, rows.length, want, byteBudget);
  }

  latest(topic: string): TopicState | undefined {
    this.flush();
    return this.selectLatest.get({ topic }) ?? undefined;
  }

  channelsWithMessages(): Iterable<string> {
    return this.channels;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}
