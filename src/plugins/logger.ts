/**
 * The `logger` plugin: appends every event of its bot's topics, replayed
 * ones included, as JSON lines, one file per topic per UTC day:
 *
 *   <dir>/<topic>/<YYYY-MM-DD>.jsonl
 *
 * where <topic> is the full topic name with `#` written `%23` and `!`
 * written `%21` (e.g. `logs/%23general@localhost/2026-11-26.jsonl`). Each line:
 *
 *   {"topic":"#general@localhost","seq":12,"at":"2026-11-26T10:00:00.000Z",
 *    "from":"alice@localhost","kind":"message","body":"hi"}
 *
 * and, where history could not fill a gap, `{"topic":…,"gap":{"from":5,"to":9}}`.
 *
 * Exactly once per topic and seq: a line is written before the handler
 * returns and fsync'ed at the runtime's next checkpoint, before it saves its
 * cursors (one fsync a burst of events, not one an event). At start the
 * newest file of each topic is read back to learn the last seq logged, so an
 * event replayed after a crash between the write and the cursor is skipped.
 * A torn last line (crash mid-write) is cut off first.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { definePlugin, type EventContext, type GapContext } from "../bot/api.ts";

export const loggerOptions = z
  .object({
    /** Folder of the log files (relative to the configuration file). */
    dir: z.string({ error: "expected a folder path" }).min(1, { error: "expected a folder path" }),
    /** Topics to log; default every configured topic of the bot. */
    topics: z.array(z.string()).optional(),
    /** fsync the lines before the runtime saves its cursors (default true). */
    fsync: z.boolean({ error: "expected true or false" }).default(true),
  })
  .strict();
export type LoggerOptions = z.output<typeof loggerOptions>;

/** The folder name a topic's files go in. */
export function topicFolder(topic: string): string {
  return topic.replaceAll("%", "%25").replaceAll("#", "%23").replaceAll("!", "%21");
}

/** `YYYY-MM-DD` of a date in UTC. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export interface LogLine {
  topic: string;
  seq: number;
  at: string;
  from: string;
  kind: string;
  body: string;
  content_type?: string;
  replayed?: boolean;
}

/**
 * Appends lines for one bot. Kept apart from the plugin wiring so tests can
 * drive it directly (and simulate crashes between write and cursor).
 */
export class JsonlLog {
  private readonly last = new Map<string, number>();
  private readonly files = new Map<string, { day: string; fd: number }>();
  /** Files written since the last `sync`. */
  private readonly unsynced = new Set<number>();

  constructor(
    readonly dir: string,
    private readonly fsync = true,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Last seq logged for `topic` (recovering it from disk the first time). */
  lastLogged(topic: string): number {
    let seq = this.last.get(topic);
    if (seq === undefined) {
      seq = recoverLastSeq(join(this.dir, topicFolder(topic)));
      this.last.set(topic, seq);
    }
    return seq;
  }

  /** Writes the event unless it was logged already; returns whether it wrote. */
  event(
    ctx: Pick<
      EventContext,
      "topic" | "seq" | "at" | "from" | "kind" | "body" | "contentType" | "replayed"
    >,
  ): boolean {
    if (ctx.seq <= this.lastLogged(ctx.topic)) return false;
    const line: LogLine = {
      topic: ctx.topic,
      seq: ctx.seq,
      at: ctx.at.toISOString(),
      from: ctx.from,
      kind: ctx.kind,
      body: ctx.body,
    };
    if (ctx.contentType !== undefined) line.content_type = ctx.contentType;
    if (ctx.replayed) line.replayed = true;
    this.append(ctx.topic, utcDay(ctx.at), line);
    this.last.set(ctx.topic, ctx.seq);
    return true;
  }

  /** Writes a gap line unless its range was covered already. */
  gap(ctx: Pick<GapContext, "topic" | "from" | "to">, now = new Date()): boolean {
    if (ctx.to <= this.lastLogged(ctx.topic)) return false;
    this.append(ctx.topic, utcDay(now), { topic: ctx.topic, gap: { from: ctx.from, to: ctx.to } });
    this.last.set(ctx.topic, ctx.to);
    return true;
  }

  /** Makes every line written so far durable (when fsync is on). */
  sync(): void {
    for (const fd of this.unsynced) fsyncSync(fd);
    this.unsynced.clear();
  }

  close(): void {
    this.sync();
    for (const file of this.files.values()) closeSync(file.fd);
    this.files.clear();
  }

  private append(topic: string, day: string, line: object): void {
    let file = this.files.get(topic);
    if (file === undefined || file.day !== day) {
      if (file !== undefined) {
        if (this.unsynced.delete(file.fd) && this.fsync) fsyncSync(file.fd);
        closeSync(file.fd);
      }
      const folder = join(this.dir, topicFolder(topic));
      mkdirSync(folder, { recursive: true });
      const fd = openSync(join(folder, `${day}.jsonl`), "a");
      file = { day, fd };
      this.files.set(topic, file);
    }
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
    let written = 0;
    while (written < bytes.length) written += writeSync(file.fd, bytes, written);
    if (this.fsync) this.unsynced.add(file.fd);
  }
}

/**
 * The last seq (or gap end) in the newest day file of a topic folder. A
 * last line without its newline is a torn write: it is cut off.
 */
export function recoverLastSeq(folder: string): number {
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n));
  } catch {
    return 0;
  }
  names.sort().reverse();
  for (const name of names) {
    const seq = lastSeqOfFile(join(folder, name));
    if (seq !== undefined) return seq;
  }
  return 0;
}

const TAIL_BYTES = 64 * 1024;

function lastSeqOfFile(path: string): number | undefined {
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    let text = buffer.toString("utf8");
    if (text.length > 0 && !text.endsWith("\n")) {
      const cut = text.lastIndexOf("\n");
      const keep =
        cut < 0 ? (start === 0 ? 0 : size) : start + Buffer.byteLength(text.slice(0, cut + 1));
      ftruncateSync(fd, keep);
      fsyncSync(fd);
      text = cut < 0 ? "" : text.slice(0, cut + 1);
    }
    const lines = text.split("\n");
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!;
      if (line === "") continue;
      try {
        const parsed = JSON.parse(line) as { seq?: unknown; gap?: { to?: unknown } };
        if (typeof parsed.seq === "number") return parsed.seq;
        if (typeof parsed.gap?.to === "number") return parsed.gap.to;
      } catch {
        // The first line of the tail window may be cut: keep looking back.
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export default definePlugin({
  name: "logger",
  options: loggerOptions,
  setup(bot, options) {
    const log = new JsonlLog(bot.resolve(options.dir), options.fsync);
    const only = options.topics === undefined ? undefined : new Set(options.topics);
    const wanted = (ctx: { topic: string; tracked?: boolean }) =>
      only === undefined ? ctx.tracked !== false : [...only].some((t) => sameTopic(t, ctx.topic));
    bot.on(
      "event",
      (ctx) => {
        if (wanted(ctx)) log.event(ctx);
      },
      { replayed: true, own: true },
    );
    bot.on("gap", (ctx) => {
      if (wanted(ctx)) log.gap(ctx);
    });
    bot.onCheckpoint(() => log.sync());
    bot.onStop(() => log.close());
    bot.log.info(`writing ${bot.topics.join(", ")} to ${log.dir}`);
  },
});

/** `#general` matches `#general@localhost`. */
function sameTopic(configured: string, full: string): boolean {
  const c = configured.toLowerCase();
  return c === full || (!c.includes("@") && full.startsWith(`${c}@`));
}
