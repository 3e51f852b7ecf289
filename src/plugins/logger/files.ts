/**
 * One open day file of a topic, appended line by line, that never keeps a
 * torn line: a write that fails is cut back to where its line began; when
 * even that fails, the next line starts on a fresh line (and readers skip
 * the torn one). An fsync that fails cuts the file back to what the last
 * good fsync made durable, so those lines are written again rather than
 * trusted. The file functions come in as `LogFs` so tests can fail them.
 */
import * as nodeFs from "node:fs";
import { join } from "node:path";

/** The file functions the logger uses (node:fs by default). */
export type LogFs = Pick<
  typeof nodeFs,
  | "closeSync"
  | "fstatSync"
  | "fsyncSync"
  | "ftruncateSync"
  | "mkdirSync"
  | "openSync"
  | "readdirSync"
  | "readSync"
  | "writeSync"
>;

export const defaultFs: LogFs = nodeFs;

export type LogFileErrorCode = "open_failed" | "write_failed" | "sync_failed" | "read_failed";

const VERB: Record<LogFileErrorCode, string> = {
  open_failed: "open",
  write_failed: "write",
  sync_failed: "fsync",
  read_failed: "read back",
};

/** A log file could not be opened, written, fsync'ed or read back. */
export class LogFileError extends Error {
  override readonly name = "LogFileError";
  constructor(
    readonly code: LogFileErrorCode,
    readonly path: string,
    cause: unknown,
    /** What became of the file after the failure, for the message. */
    aftermath = "",
    /**
     * What failed is in the file after all, as a reader sees it: the line of
     * a failed write is whole (only its newline is missing, and cutting it
     * off failed), or the lines a failed fsync should have cut off stay.
     * Otherwise they are not there and must be written again.
     */
    readonly kept = false,
  ) {
    super(`cannot ${VERB[code]} ${path}: ${describe(cause)}${aftermath}`, { cause });
  }

  /** The OS error code of the cause (`ENOSPC`), or this error's own. */
  get reason(): string {
    const code = (this.cause as { code?: unknown } | undefined)?.code;
    return typeof code === "string" ? code : this.code;
  }
}

/** A line as appended: where it starts and ends (after its newline), and its text. */
export interface WrittenLine {
  offset: number;
  end: number;
  text: string;
}

export function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export class TopicFile {
  /** Where the next line begins. */
  private size: number;
  /** Where the last good fsync (or the open) left the file. */
  private syncedSize: number;
  private syncedTorn: boolean;
  /** Lines were written since the last fsync. */
  dirty = false;
  /** Lines appended and not yet taken (`takeWritten`): the index takes them without reading the file back. */
  private written: WrittenLine[] = [];

  private constructor(
    private readonly fs: LogFs,
    readonly path: string,
    readonly day: string,
    private readonly fd: number,
    size: number,
    /** The file ends in a torn line: the next line starts with a newline. */
    private torn: boolean,
  ) {
    this.size = size;
    this.syncedSize = size;
    this.syncedTorn = torn;
  }

  /** Where the last whole line written ends. */
  get length(): number {
    return this.size;
  }

  /** What the last good fsync (or the open) made durable. */
  get durableLength(): number {
    return this.syncedSize;
  }

  /** Opens (creating) `<folder>/<day>.jsonl` for appending. */
  static open(fs: LogFs, folder: string, day: string): TopicFile {
    const path = join(folder, `${day}.jsonl`);
    let fd: number | undefined;
    try {
      fs.mkdirSync(folder, { recursive: true });
      fd = fs.openSync(path, "a+");
      const size = fs.fstatSync(fd).size;
      let torn = false;
      if (size > 0) {
        const last = Buffer.alloc(1);
        fs.readSync(fd, last, 0, 1, size - 1);
        torn = last[0] !== 0x0a;
      }
      return new TopicFile(fs, path, day, fd, size, torn);
    } catch (error) {
      if (fd !== undefined) closeQuietly(fs, fd);
      throw new LogFileError("open_failed", path, error);
    }
  }

  /** Appends one line (`text` without its newline); throws `LogFileError` having cut off what it wrote. */
  append(text: string): void {
    const bytes = Buffer.from(this.torn ? `\n${text}\n` : `${text}\n`);
    const start = this.size;
    let written = 0;
    try {
      while (written < bytes.length) {
        const n = this.fs.writeSync(this.fd, bytes, written);
        if (n <= 0) throw new Error(`write took ${n} of ${bytes.length - written} bytes`);
        written += n;
      }
    } catch (error) {
      if (written === 0) throw new LogFileError("write_failed", this.path, error);
      try {
        this.fs.ftruncateSync(this.fd, start);
      } catch (cutError) {
        // The partial line stays: the next one starts on a fresh line.
        this.size = start + written;
        this.torn = true;
        this.dirty = true;
        const whole = written >= bytes.length - 1;
        const what = whole ? "the line is whole but lacks its newline" : "a partial line stays";
        throw new LogFileError(
          "write_failed",
          this.path,
          error,
          `; cutting off what it wrote failed too (${describe(cutError)}): ${what}, the next line starts on a fresh one`,
          whole,
        );
      }
      throw new LogFileError("write_failed", this.path, error, "; the partial line was cut off");
    }
    this.size = start + bytes.length;
    this.written.push({
      offset: this.size - bytes.length + (this.torn ? 1 : 0),
      end: this.size,
      text,
    });
    this.torn = false;
    this.dirty = true;
  }

  /** The lines appended since the last call that end by `length`, in order. */
  takeWritten(length: number): WrittenLine[] {
    const upTo = this.written.findIndex((w) => w.end > length);
    const taken = upTo < 0 ? this.written : this.written.slice(0, upTo);
    this.written = upTo < 0 ? [] : this.written.slice(upTo);
    return taken;
  }

  /**
   * fsyncs the file. When that fails, what was written since the last good
   * fsync may not be on disk whatever a read says: the file is cut back to
   * it and `LogFileError` thrown, so the caller writes those lines again.
   * Returns normally only when every line is durable.
   */
  sync(): void {
    if (!this.dirty) return;
    try {
      this.fs.fsyncSync(this.fd);
    } catch (error) {
      try {
        this.fs.ftruncateSync(this.fd, this.syncedSize);
      } catch (cutError) {
        // Keep the lines: a reader sees them, and writing them again would
        // show them twice. (They may still be lost with the page cache.)
        const aftermath = `; cutting off its lines since the last fsync failed too (${describe(cutError)})`;
        throw new LogFileError("sync_failed", this.path, error, aftermath, true);
      }
      this.size = this.syncedSize;
      this.torn = this.syncedTorn;
      // Cut off: those lines are not in the file any more.
      this.written = this.written.filter((w) => w.end <= this.syncedSize);
      this.dirty = false;
      throw new LogFileError(
        "sync_failed",
        this.path,
        error,
        "; its lines since the last fsync were cut off, to be written again",
      );
    }
    this.syncedSize = this.size;
    this.syncedTorn = this.torn;
    this.dirty = false;
  }

  close(): void {
    closeQuietly(this.fs, this.fd);
  }
}

function closeQuietly(fs: LogFs, fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // On a local disk close reports nothing that write and fsync did not.
  }
}
