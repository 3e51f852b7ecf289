/**
 * `scalar logs [TOPIC...]`: lines of the archive in time order, as text or
 * JSON lines. Without `--search` they come from the day files (gap lines
 * and reset markers too, unless filtered by sender or kind); with it from
 * the index and what the index lacks from the files. `--follow` goes on
 * with new lines as the logger writes them, none twice or left out.
 */
import {
  Archive,
  ArchiveError,
  type ArchiveLine,
  type Entry,
  entries,
  entryPasses,
  Follower,
  type Hit,
  isEvent,
  type ListParams,
  listEntries,
  parseQuery,
  parseTime,
  search,
  textLine,
} from "../archive/index.ts";
import { EXIT, fail, usageError } from "./exit.ts";
import type { LogsFlags } from "./logs.ts";

/** Search pages of this many hits. */
const PAGE = 500;

export async function printLogs(written: string[], flags: LogsFlags): Promise<void> {
  if (flags.follow && flags.until !== undefined)
    usageError("--follow and --until do not go together");
  if (flags.substring && flags.search === undefined) usageError("--substring goes with --search");
  const archive = new Archive(flags.dir);
  const out = new Output(flags.format);
  let params: ListParams;
  let topics: string[];
  try {
    archive.files.check();
    topics = archive.resolveTopics(written);
    params = listParams(flags);
  } catch (error) {
    if (error instanceof ArchiveError) usageError(error.message);
    throw error;
  }
  // Sizes before reading: following starts there, skipping what the listing printed past them.
  const sizes = new Map(archive.files.files().map((f) => [f.path, f.size]));
  const printed = new Set<string>();
  const note = (topic: string, day: string, offset: number) => {
    if (flags.follow) printed.add(`${topic}/${day}@${offset}`);
  };
  try {
    if (params.query === undefined) {
      const lines =
        params.limit === undefined
          ? entries(archive, topics, params)
          : listEntries(archive, topics, params);
      for (const entry of lines) {
        out.line(entry.line);
        note(entry.topic, entry.day, entry.offset);
        if (out.full) await out.flush();
      }
    } else {
      for (const hit of searchAll(archive, topics, params)) {
        out.hit(hit);
        note(hit.topic, hit.day, hit.offset);
        if (out.full) await out.flush();
      }
    }
  } catch (error) {
    if (error instanceof ArchiveError) fail(error.message);
    throw error;
  } finally {
    archive.close();
  }
  await out.flush();
  if (!flags.follow) return;
  const wanted = new Set(topics);
  const follower = new Follower(archive.files, {
    // Named topics only; all, also new ones, when none were named.
    topics: (t) => written.length === 0 || wanted.has(t),
    start: (file) => sizes.get(file.path) ?? 0,
    onEntries: (found: Entry[]) => {
      for (const entry of found) {
        if (printed.delete(`${entry.topic}/${entry.day}@${entry.offset}`)) continue;
        if (entryPasses(entry, params)) out.line(entry.line);
      }
      void out.flush();
    },
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      follower.close();
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await out.flush();
  process.exit(EXIT.ok);
}

function listParams(flags: LogsFlags): ListParams {
  const params: ListParams = {};
  if (flags.since !== undefined) params.since = parseTime(flags.since, "--since");
  if (flags.until !== undefined) params.until = parseTime(flags.until, "--until", { end: true });
  if (flags.from !== undefined) params.from = flags.from;
  if (flags.kinds !== undefined) params.kinds = flags.kinds;
  if (flags.search !== undefined) params.query = parseQuery(flags.search, flags.substring ?? false);
  if (flags.limit !== undefined) params.limit = flags.limit;
  return params;
}

/** Every hit in time order: with a limit the newest that many, else all, page by page. */
function* searchAll(archive: Archive, topics: string[], params: ListParams): Generator<Hit> {
  const base = { ...params, topics };
  if (params.limit !== undefined) {
    const hits: Hit[] = [];
    let cursor: string | undefined;
    while (hits.length < params.limit) {
      const page = search(archive, {
        ...base,
        sort: "newest",
        limit: Math.min(PAGE, params.limit - hits.length),
        ...(cursor === undefined ? {} : { cursor }),
      });
      hits.push(...page.hits);
      cursor = page.next;
      if (cursor === undefined) break;
    }
    yield* hits.reverse();
    return;
  }
  let cursor: string | undefined;
  do {
    const page = search(archive, {
      ...base,
      sort: "oldest",
      limit: PAGE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    yield* page.hits;
    cursor = page.next;
  } while (cursor !== undefined);
}

/** stdout, written in chunks; a closed pipe (`| head`) ends the command quietly. */
class Output {
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly format: "text" | "json") {
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(EXIT.ok);
      throw error;
    });
  }

  line(line: ArchiveLine): void {
    this.push(this.format === "json" ? JSON.stringify(fields(line)) : textLine(line));
  }

  hit(hit: Hit): void {
    const { topic, epoch, seq, at, from, kind, body } = hit;
    const line =
      epoch === undefined
        ? { topic, seq, at, from, kind, body }
        : { topic, epoch, seq, at, from, kind, body };
    this.line(line);
  }

  /** Enough is held to write it out. */
  get full(): boolean {
    return this.size > 64 * 1024;
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join("\n")}\n`;
    this.buffer = [];
    this.size = 0;
    if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once("drain", r));
  }
}

/** An event's archive fields (not `replayed`, which says how the logger got it); a marker as it is. */
function fields(line: ArchiveLine): object {
  if (!isEvent(line)) return line;
  const { topic, epoch, seq, at, from, kind, body, content_type } = line;
  const out: Record<string, unknown> =
    epoch === undefined
      ? { topic, seq, at, from, kind, body }
      : { topic, epoch, seq, at, from, kind, body };
  if (content_type !== undefined) out.content_type = content_type;
  return out;
}
