import { Database, type Statement } from "bun:sqlite";
import { newEpoch } from "./epoch.ts";
import { type RetentionOptions, resolveRetention } from "./limits.ts";
import { Retention, type RetentionStats, type TopicLog } from "./retention.ts";
import {
  fillPage,
  type HistoryStore,
  type Page,
  type Selection,
  type TopicRef,
  type TopicState,
} from "./store.ts";

interface Pending {
  topic: string;
  epoch: string;
  inbox: boolean;
  seq: number;
  at: number;
  message: boolean;
  payload: Uint8Array;
}

interface Row {
  seq: number;
  payload: Uint8Array;
}

interface TopicRow {
  topic: string;
  seq: number;
  at: number;
  epoch: string | null;
  inbox: number;
}

interface EventIndexRow {
  topic: string;
  seq: number;
  at: number;
  message: number;
  size: number;
}

/**
 * History in SQLite (WAL): events, and each topic's counters and epoch, so
 * numbering goes on in the same epoch after a restart. What is retained is
 * decided by the same bounds as in memory (limits.ts), from an index of
 * seqs and sizes kept in memory and rebuilt from the file at open.
 *
 * Appends are batched: they are written, all or nothing, by `commit()`,
 * which the server calls before it publishes them. The index learns of a
 * batch only once it is stored; what retention then drops is deleted in a
 * second transaction, and if that one fails, first thing in the next, so a
 * failed write never leaves the index and the file disagreeing about what
 * was stored, and a deletion never reaches events written after it.
 */
export class SqliteHistoryStore implements HistoryStore {
  private readonly db: Database;
  private readonly retention: Retention;
  private pending: Pending[] = [];
  /** Evictions not yet written: "topic\0kind" -> highest seq dropped. */
  private deletes = new Map<string, { topic: string; message: number; seq: number }>();
  /** Topics released (nothing retained): their counter rows go. */
  private released = new Set<string>();
  private claimed = new Set<string>();
  private readonly insertEvent: Statement;
  private readonly upsertTopic: Statement;
  private readonly deleteEvents: Statement;
  private readonly deleteTopic: Statement;
  private readonly claimTopic: Statement;
  private readonly selectAfter: Statement<Row>;
  private readonly selectSince: Statement<Row>;
  private readonly nthNewest: Statement<{ seq: number }>;
  private closed = false;

  constructor(path: string, retention?: RetentionOptions) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run(`CREATE TABLE IF NOT EXISTS events (
      topic TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
      message INTEGER NOT NULL, payload BLOB NOT NULL,
      PRIMARY KEY (topic, seq)) WITHOUT ROWID`);
    this.db.run("CREATE INDEX IF NOT EXISTS events_at ON events (topic, at)");
    this.db.run(`CREATE TABLE IF NOT EXISTS topics (
      topic TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL,
      epoch TEXT, inbox INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`);
    this.migrate();
    this.insertEvent = this.db.query(
      "INSERT OR REPLACE INTO events (topic, seq, at, message, payload) VALUES ($topic, $seq, $at, $message, $payload)",
    );
    this.upsertTopic = this.db.query(
      `INSERT INTO topics (topic, seq, at, epoch, inbox) VALUES ($topic, $seq, $at, $epoch, $inbox)
       ON CONFLICT (topic) DO UPDATE SET seq = excluded.seq, at = excluded.at,
       epoch = excluded.epoch, inbox = min(inbox, excluded.inbox)`,
    );
    this.deleteEvents = this.db.query(
      "DELETE FROM events WHERE topic = $topic AND message = $message AND seq <= $seq",
    );
    this.deleteTopic = this.db.query("DELETE FROM topics WHERE topic = $topic");
    this.claimTopic = this.db.query("UPDATE topics SET inbox = 0 WHERE topic = $topic");
    this.selectAfter = this.db.query(
      "SELECT seq, payload FROM events WHERE topic = $topic AND seq > $after ORDER BY seq LIMIT $limit",
    );
    this.selectSince = this.db.query(
      "SELECT seq, payload FROM events WHERE topic = $topic AND at >= $since ORDER BY seq LIMIT $limit",
    );
    this.nthNewest = this.db.query(
      "SELECT seq FROM events WHERE topic = $topic ORDER BY seq DESC LIMIT 1 OFFSET $offset",
    );
    this.retention = new Retention(resolveRetention(retention), false, {
      evicted: (log, message, seq) => {
        const key = `${log.name}\0${message ? 1 : 0}`;
        this.deletes.set(key, { topic: log.name, message: message ? 1 : 0, seq });
      },
      released: (log) => this.released.add(log.name),
      created: (log) => this.released.delete(log.name),
    });
    this.load();
  }

  /** Databases written before epochs and inboxes get the columns. */
  private migrate(): void {
    const columns = new Set(
      this.db
        .query<{ name: string }, []>("PRAGMA table_info(topics)")
        .all()
        .map((c) => c.name),
    );
    if (!columns.has("epoch")) this.db.run("ALTER TABLE topics ADD COLUMN epoch TEXT");
    if (!columns.has("inbox")) {
      this.db.run("ALTER TABLE topics ADD COLUMN inbox INTEGER NOT NULL DEFAULT 0");
    }
  }

  /**
   * Rebuilds the retention index from the file, oldest first, then writes
   * what the current bounds drop: epochs for topics that had none (kept from
   * then on), and the removal of counters of topics with nothing retained.
   */
  private load(): void {
    const rows = new Map<string, TopicRow>();
    for (const row of this.db.query<TopicRow, []>("SELECT * FROM topics").all()) {
      rows.set(row.topic, row);
    }
    const fresh = new Map<string, TopicRow>();
    const index = this.db.query<EventIndexRow, []>(
      "SELECT topic, seq, at, message, length(payload) AS size FROM events ORDER BY at, topic, seq",
    );
    for (const e of index.iterate()) {
      let row = rows.get(e.topic) ?? fresh.get(e.topic);
      if (row === undefined) {
        row = { topic: e.topic, seq: 0, at: 0, epoch: null, inbox: 0 };
        fresh.set(e.topic, row);
      }
      if (row.epoch === null) {
        row.epoch = newEpoch();
        fresh.set(e.topic, row);
      }
      row.seq = Math.max(row.seq, e.seq);
      row.at = Math.max(row.at, e.at);
      this.retention.append(
        e.topic,
        row.epoch,
        row.inbox === 1,
        e.seq,
        e.at,
        e.message === 1,
        e.size,
      );
    }
    // Nobody is in any channel yet: one without messages keeps nothing.
    for (const name of [...this.retention.topics.keys()]) {
      if (name.startsWith("#")) this.retention.idle(name);
    }
    for (const row of [...rows.values(), ...fresh.values()]) {
      const log = this.retention.topics.get(row.topic);
      if (log === undefined) {
        this.released.add(row.topic);
      } else {
        log.seq = row.seq;
        log.at = row.at;
      }
    }
    this.db.transaction(() => {
      this.writeRetention();
      for (const { topic, seq, at, epoch, inbox } of fresh.values()) {
        if (this.retention.topics.has(topic))
          this.upsertTopic.run({ topic, seq, at, epoch, inbox });
      }
    })();
    this.clearRetentionWrites();
  }

  keeps(): boolean {
    return true;
  }

  append(topic: TopicRef, seq: number, at: number, message: boolean, payload: Uint8Array): void {
    this.pending.push({
      topic: topic.name,
      epoch: topic.epoch,
      inbox: topic.inbox,
      seq,
      at,
      message,
      payload,
    });
  }

  idle(topic: string): void {
    this.retention.idle(topic);
  }

  claim(topic: string): void {
    const log = this.retention.claim(topic);
    if (log !== undefined) this.claimed.add(topic);
  }

  /**
   * Writes the appends since the last commit in one transaction, after the
   * deletions earlier batches caused. On failure nothing of it is written,
   * the appends are dropped and the deletions wait for the next commit.
   */
  commit(): void {
    if (this.closed) return;
    if (
      this.pending.length === 0 &&
      this.deletes.size === 0 &&
      this.released.size === 0 &&
      this.claimed.size === 0
    ) {
      return;
    }
    const batch = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      this.writeRetention();
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
        this.upsertTopic.run({
          topic,
          seq: e.seq,
          at: e.at,
          epoch: e.epoch,
          inbox: e.inbox ? 1 : 0,
        });
      }
    })();
    this.clearRetentionWrites();
    for (const e of batch) {
      this.retention.append(e.topic, e.epoch, e.inbox, e.seq, e.at, e.message, e.payload.length);
    }
    // What the batch pushed out goes now if it can; else first thing next time.
    try {
      this.db.transaction(() => this.writeRetention())();
      this.clearRetentionWrites();
    } catch {}
  }

  private clearRetentionWrites(): void {
    this.deletes.clear();
    this.released.clear();
    this.claimed.clear();
  }

  /** Deletions and claims retention decided since the last commit (inside a transaction). */
  private writeRetention(): void {
    for (const d of this.deletes.values()) this.deleteEvents.run(d);
    for (const topic of this.released) this.deleteTopic.run({ topic });
    for (const topic of this.claimed) this.claimTopic.run({ topic });
  }

  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page {
    // Released, its rows not yet deleted (a write failed): they are gone already.
    if (this.released.has(topic)) return { events: [], more: false };
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
    const log: TopicLog | undefined = this.retention.topics.get(topic);
    return log === undefined ? undefined : { seq: log.seq, at: log.at, epoch: log.epoch };
  }

  channelsWithMessages(): Iterable<string> {
    return this.retention.channels;
  }

  watchChannels(listener: (channel: string, hasMessages: boolean) => void): void {
    this.retention.onChannel = listener;
  }

  watchTopics(listener: (topic: string) => void): number {
    this.retention.onRelease = listener;
    return this.retention.topics.size;
  }

  /** What is retained now: topics, and events and payload bytes per pool. */
  stats(): RetentionStats {
    return this.retention.stats();
  }

  /**
   * Commits what is pending and closes the file. Deletions that cannot be
   * written are let go: the bounds apply again when the file is opened.
   */
  close(): void {
    if (this.closed) return;
    const appends = this.pending.length > 0;
    try {
      if (appends) this.commit();
      else this.db.transaction(() => this.writeRetention())();
    } catch (error) {
      if (appends) throw error;
    } finally {
      this.closed = true;
      this.db.close();
    }
  }
}
