/**
 * What a topic's folder says at start: the position of its last line (an
 * event's epoch and seq, a gap's end, a reset marker's new epoch at seq 0)
 * and its newest day, read from the tail of the newest day file that has a
 * line. A torn last line (a crash in the middle of a write) is cut off; if
 * that fails it stays, skipped like any line that is not JSON, and the next
 * line is written on a fresh one.
 */
import { join } from "node:path";
import { LogFileError, type LogFs } from "./files.ts";
import { DAY_FILE, type Position, positionOf, START } from "./lines.ts";

export interface Recovered {
  position: Position;
  /** The newest day file's day (`YYYY-MM-DD`), even an empty one's; undefined without files. */
  day: string | undefined;
}

/** Reads back a topic folder; throws `LogFileError` when a file cannot be read. */
export function recoverPosition(fs: LogFs, folder: string): Recovered {
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((n) => DAY_FILE.test(n));
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return { position: START, day: undefined };
    throw new LogFileError("read_failed", folder, error);
  }
  names.sort().reverse();
  const day = names[0]?.slice(0, 10);
  for (const name of names) {
    const position = lastPosition(fs, join(folder, name));
    if (position !== undefined) return { position, day };
  }
  return { position: START, day };
}

/** The tail read back: more than the longest line (an event fits a 16 KiB frame). */
const TAIL_BYTES = 64 * 1024;

function lastPosition(fs: LogFs, path: string): Position | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, "r+");
  } catch (error) {
    throw new LogFileError("read_failed", path, error);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    fs.readSync(fd, buffer, 0, buffer.length, start);
    const end = buffer.lastIndexOf(0x0a);
    if (end + 1 < buffer.length && (end >= 0 || start === 0)) {
      try {
        fs.ftruncateSync(fd, start + end + 1);
        fs.fsyncSync(fd);
      } catch {
        // Left in place: it parses as no line, and the writer starts afresh after it.
      }
    }
    const lines = buffer.toString("utf8", 0, end + 1).split("\n");
    for (let i = lines.length - 1; i >= 0; i--) {
      // The first line of the window may be cut, a torn line is no JSON: look further back.
      const position = lines[i] === "" ? undefined : positionOf(lines[i]!);
      if (position !== undefined) return position;
    }
    return undefined;
  } catch (error) {
    throw new LogFileError("read_failed", path, error);
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // Read only (or cut, and fsync'ed): nothing to lose.
    }
  }
}
