/**
 * Which processes write an archive: a logger leaves `<dir>/.index/writers/<pid>`
 * while it runs, so `scalar logs reindex` does not rebuild the index under
 * it (the rebuild would take in lines the logger has not fsynced), and a
 * second logger on the same folder leaves the first one's topics alone.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INDEX_FOLDER } from "./index-db.ts";

function folder(dir: string): string {
  return join(dir, INDEX_FOLDER, "writers");
}

/** Registers this process as a writer of `dir`; returns the function that unregisters it. */
export function registerWriter(dir: string): () => void {
  mkdirSync(folder(dir), { recursive: true });
  const path = join(folder(dir), String(process.pid));
  writeFileSync(path, `${new Date().toISOString()}\n`);
  return () => rmSync(path, { force: true });
}

/** Other processes that write `dir` and still run (registrations of ones that died are removed). */
export function otherWriters(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(folder(dir));
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid === process.pid) continue;
    if (alive(pid)) live.push(pid);
    else rmSync(join(folder(dir), name), { force: true });
  }
  return live;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM";
  }
}
