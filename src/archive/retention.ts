/**
 * Retention (`retain: 90d` on a logger): day files whose every line is
 * older than that go, rows first — index rows are dropped (committed)
 * before their file is deleted, so a crash in between leaves the index
 * behind the files (caught up at the next start), never ahead. A topic's
 * newest file stays whatever its age: its last line is where the logger
 * stands on that topic, which keeps an event replayed later from being
 * logged twice.
 */
import { unlinkSync } from "node:fs";
import { ArchiveDir } from "./files.ts";
import { utcDay } from "./format.ts";
import type { ArchiveIndexer } from "./indexer.ts";

/** Deletes the files of days before `now - retainMs`; returns their paths. */
export function prune(
  dir: string,
  retainMs: number,
  options: { indexer?: ArchiveIndexer; now?: number; topics?: (topic: string) => boolean } = {},
): string[] {
  const cutoff = utcDay(new Date((options.now ?? Date.now()) - retainMs));
  const archive = new ArchiveDir(dir);
  const removed: string[] = [];
  for (const [topic, folders] of archive.topics()) {
    if (options.topics !== undefined && !options.topics(topic)) continue;
    const files = archive.files(topic, folders);
    const newest = files.at(-1)?.day;
    for (const file of files) {
      if (file.day >= cutoff || file.day === newest) continue;
      options.indexer?.drop(file.folder, file.day);
      unlinkSync(file.path);
      removed.push(file.path);
    }
  }
  return removed;
}
