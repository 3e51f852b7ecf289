/**
 * `scalar logs export`: each topic's lines of a time range written to
 * `OUT/<topic>_<first day>_<last day>.txt` (as `scalar logs` prints them,
 * without the topic) and `.jsonl` (the archive's lines as they are).
 * `scalar logs reindex`: the index rebuilt from the files.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  Archive,
  ArchiveError,
  ArchiveIndexer,
  entries,
  indexPath,
  otherWriters,
  parseTime,
  textLine,
  topicFolder,
  utcDay,
} from "../archive/index.ts";
import { fail, usageError } from "./exit.ts";
import type { ExportFlags } from "./logs.ts";

export function exportLogs(written: string[], flags: ExportFlags): void {
  const archive = new Archive(flags.dir);
  let topics: string[];
  let since: number | undefined;
  let until: number | undefined;
  try {
    archive.files.check();
    topics = archive.resolveTopics(written);
    if (flags.since !== undefined) since = parseTime(flags.since, "--since");
    if (flags.until !== undefined) until = parseTime(flags.until, "--until", { end: true });
  } catch (error) {
    if (error instanceof ArchiveError) usageError(error.message);
    throw error;
  }
  mkdirSync(flags.out, { recursive: true });
  for (const topic of topics) {
    const params = {
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
    };
    const lines = [...entries(archive, [topic], params)];
    if (lines.length === 0) continue;
    const first = since === undefined ? lines[0]!.day : utcDay(new Date(since));
    const last = until === undefined ? lines.at(-1)!.day : utcDay(new Date(until - 1));
    const base = join(flags.out, `${topicFolder(topic)}_${first}_${last}`);
    for (const format of flags.formats) {
      const path = `${base}.${format}`;
      writeLines(
        path,
        lines.map((e) => (format === "jsonl" ? e.text : textLine(e.line, { topic: false }))),
      );
      process.stdout.write(`${path}: ${lines.length} line${lines.length === 1 ? "" : "s"}\n`);
    }
  }
  archive.close();
}

function writeLines(path: string, lines: string[]): void {
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < lines.length; i += 10_000) {
      writeSync(fd, `${lines.slice(i, i + 10_000).join("\n")}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

export function reindex(flags: { dir: string; force?: boolean }): void {
  if (!existsSync(flags.dir)) usageError(`no archive at ${flags.dir}: the folder does not exist`);
  const writers = otherWriters(flags.dir);
  if (writers.length > 0 && !flags.force) {
    fail(
      `a logger (process ${writers.join(", ")}) writes ${flags.dir}: stop it first (it catches the index up itself at start), or rebuild anyway with --force`,
    );
  }
  const started = performance.now();
  const path = indexPath(flags.dir);
  let indexer: ArchiveIndexer | undefined;
  try {
    try {
      indexer = new ArchiveIndexer(flags.dir);
      indexer.clear();
    } catch {
      // Not an index one can empty (damaged): a new one.
      indexer?.close();
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
      indexer = new ArchiveIndexer(flags.dir);
    }
    const { events, files } = indexer.reconcile();
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    process.stdout.write(`indexed ${events} events of ${files} files in ${seconds} s: ${path}\n`);
  } catch (error) {
    if (error instanceof ArchiveError) fail(error.message);
    throw error;
  } finally {
    indexer?.close();
  }
}
