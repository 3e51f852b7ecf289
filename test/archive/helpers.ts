/**
 * Archives for the tests: written by the logger's own JsonlLog (as a logger
 * bot writes them), and a check that the index holds exactly the files'
 * event lines up to the length it says it holds, and never more.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArchiveDir, indexPath, isEvent, readLines } from "../../src/archive/index.ts";
import { JsonlLog, type JsonlLogOptions } from "../../src/plugins/logger.ts";

export const GENERAL = "#general@localhost";
export const OTHER = "#other@localhost";

export const tmp = (name = "archive") => mkdtempSync(join(tmpdir(), `scalar-${name}-`));

let clock = Date.UTC(2026, 11, 1, 8, 0, 0);
const seqs = new Map<string, number>();

export interface Said {
  topic?: string;
  from?: string;
  body: string;
  kind?: "message" | "join" | "leave";
  at?: Date;
  epoch?: string;
}

/** An event as the logger gets it, numbered per topic. */
export function event(said: Said) {
  const topic = said.topic ?? GENERAL;
  const seq = (seqs.get(topic) ?? 0) + 1;
  seqs.set(topic, seq);
  clock += 1000;
  return {
    topic,
    epoch: said.epoch ?? "e1",
    seq,
    at: said.at ?? new Date(clock),
    from: said.from ?? "alice@localhost",
    kind: said.kind ?? ("message" as const),
    body: said.body,
    contentType: undefined,
    replayed: false,
  };
}

/** Writes the events through a logger's JsonlLog (numbered on from its topics' last seq), fsync'ed and closed. */
export function writeArchive(dir: string, said: Said[], options: JsonlLogOptions = {}): void {
  const log = new JsonlLog(dir, options);
  for (const s of said) {
    const e = event(s);
    log.event({ ...e, seq: log.lastLogged(e.topic).seq + 1 });
  }
  log.sync();
  log.close();
}

export interface IndexCheck {
  /** Event lines of files the index holds, as folder/day@offset:seq. */
  indexed: string[];
  /** The same, read from the files up to each file's indexed length. */
  inFiles: string[];
  /** Files the index holds less of than they have (the index is behind). */
  behind: string[];
  /** Files the index claims more of than they have (it must never be ahead). */
  ahead: string[];
}

export function checkIndex(dir: string): IndexCheck {
  const db = new Database(indexPath(dir), { readonly: true });
  try {
    const rows = db
      .query(
        "SELECT f.folder, f.day, e.offset, e.seq FROM events e JOIN files f ON f.id = e.file_id ORDER BY f.folder, f.day, e.offset",
      )
      .all() as { folder: string; day: string; offset: number; seq: number }[];
    const files = new Map(
      (
        db.query("SELECT folder, day, indexed FROM files").all() as {
          folder: string;
          day: string;
          indexed: number;
        }[]
      ).map((f) => [`${f.folder}/${f.day}`, f.indexed]),
    );
    const inFiles: string[] = [];
    const behind: string[] = [];
    const ahead: string[] = [];
    for (const file of new ArchiveDir(dir).files().sort((a, b) => (a.path < b.path ? -1 : 1))) {
      const key = `${file.folder}/${file.day}`;
      const indexed = files.get(key) ?? 0;
      if (indexed > file.size) ahead.push(key);
      if (indexed < file.size) behind.push(key);
      for (const r of readLines(file.path, 0, indexed)) {
        if (isEvent(r.line)) inFiles.push(`${key}@${r.offset}:${r.line.seq}`);
      }
    }
    for (const key of files.keys()) {
      if (!new ArchiveDir(dir).files().some((f) => `${f.folder}/${f.day}` === key)) ahead.push(key);
    }
    return {
      indexed: rows.map((r) => `${r.folder}/${r.day}@${r.offset}:${r.seq}`),
      inFiles,
      behind,
      ahead,
    };
  } finally {
    db.close();
  }
}
