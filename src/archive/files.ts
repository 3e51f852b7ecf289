/**
 * The archive's folders and day files as they are on disk, and their lines
 * read from a byte offset. Only whole lines count (up to the last newline):
 * a line still being written is not read until its newline is there.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { ArchiveError } from "./errors.ts";
import { type ArchiveLine, DAY_FILE, parseLine } from "./format.ts";
import { folderTopic, topicFolder } from "./names.ts";

/** One day file of a topic. */
export interface DayFile {
  topic: string;
  /** The folder's name in the archive (either form, names.ts). */
  folder: string;
  day: string;
  path: string;
  size: number;
}

/** One line read back: where it starts and ends (after its newline) in its file. */
export interface RawLine {
  offset: number;
  end: number;
  text: string;
}

export interface ReadLine extends RawLine {
  line: ArchiveLine;
}

/** The archive folder `dir`: its topics and their day files. */
export class ArchiveDir {
  constructor(readonly dir: string) {}

  /** Throws `ArchiveError` (`no_archive`) when `dir` is not there. */
  check(): void {
    if (!existsSync(this.dir)) {
      throw new ArchiveError("no_archive", `no archive at ${this.dir}: the folder does not exist`);
    }
  }

  /** Every topic with a folder, each with its folders (the readable one first). */
  topics(): Map<string, string[]> {
    const topics = new Map<string, string[]>();
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(this.dir, { withFileTypes: true });
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return topics;
      throw new ArchiveError("read_failed", `cannot read ${this.dir}: ${String(error)}`);
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const topic = folderTopic(entry.name);
      if (topic === undefined) continue;
      const folders = topics.get(topic) ?? [];
      if (entry.name === topicFolder(topic)) folders.unshift(entry.name);
      else folders.push(entry.name);
      topics.set(topic, folders);
    }
    return new Map([...topics].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** The day files of `topic` (all topics when undefined), oldest first. */
  files(topic?: string, folders?: readonly string[]): DayFile[] {
    if (topic === undefined) return [...this.topics()].flatMap(([t, f]) => this.files(t, f));
    const out: DayFile[] = [];
    for (const file of this.dayNames(topic, folders)) {
      try {
        out.push({ ...file, size: statSync(file.path).size });
      } catch {
        // Pruned meanwhile.
      }
    }
    return out;
  }

  /** The day files of `topic` without their sizes (no stat a file), oldest first. */
  dayNames(topic: string, folders?: readonly string[]): Omit<DayFile, "size">[] {
    const out: Omit<DayFile, "size">[] = [];
    for (const folder of folders ?? this.topics().get(topic) ?? []) {
      let names: string[];
      try {
        names = readdirSync(join(this.dir, folder));
      } catch {
        continue; // pruned or renamed meanwhile
      }
      for (const name of names) {
        if (DAY_FILE.test(name)) {
          out.push({ topic, folder, day: name.slice(0, 10), path: join(this.dir, folder, name) });
        }
      }
    }
    return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }

  /** The file of `topic` on `day` (the readable folder's when both forms have one). */
  dayFile(topic: string, day: string): DayFile | undefined {
    return this.files(topic).find((f) => f.day === day);
  }
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Calls `each` for every whole line of `path` in [start, end) (end: the
 * file's size), in order; returns where the last whole line ended (`start`
 * when there is none). A missing file has no lines.
 */
export function scanLines(
  path: string,
  start: number,
  each: (raw: RawLine) => void,
  end?: number,
): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return start;
    throw new ArchiveError("read_failed", `cannot read ${path}: ${String(error)}`);
  }
  try {
    const limit = Math.min(end ?? Number.POSITIVE_INFINITY, fstatSync(fd).size);
    let pos = start;
    let carry = Buffer.alloc(0);
    let carryAt = start;
    while (pos < limit) {
      const chunk = Buffer.alloc(Math.min(CHUNK, limit - pos));
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      pos += n;
      const buffer =
        carry.length === 0 ? chunk.subarray(0, n) : Buffer.concat([carry, chunk.subarray(0, n)]);
      let from = 0;
      let nl = buffer.indexOf(0x0a, from);
      while (nl >= 0) {
        each({
          offset: carryAt + from,
          end: carryAt + nl + 1,
          text: buffer.toString("utf8", from, nl),
        });
        from = nl + 1;
        nl = buffer.indexOf(0x0a, from);
      }
      carry = buffer.subarray(from);
      carryAt += from;
    }
    return carryAt;
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError("read_failed", `cannot read ${path}: ${String(error)}`);
  } finally {
    closeSync(fd);
  }
}

/** The archive lines of `path` from `start` (torn writes skipped). */
export function readLines(path: string, start = 0, end?: number): ReadLine[] {
  const out: ReadLine[] = [];
  scanLines(
    path,
    start,
    (raw) => {
      const line = raw.text === "" ? undefined : parseLine(raw.text);
      if (line !== undefined) out.push({ ...raw, line });
    },
    end,
  );
  return out;
}
