/**
 * node:fs with failures on demand, for the logger: a full disk that takes
 * part of a line and then refuses the rest (ENOSPC), a truncate or an fsync
 * that fails (EIO). Each knob counts down the failures still to come.
 */
import * as fs from "node:fs";
import type { LogFs } from "../../src/plugins/logger.ts";

export function osError(code: string, syscall: string): Error {
  const text = code === "ENOSPC" ? "no space left on device" : "i/o error";
  return Object.assign(new Error(`${code}: ${text}, ${syscall}`), { code, syscall });
}

export interface FaultyFs {
  fs: LogFs;
  /** Lines still to fail: each takes `partial` of its bytes, then ENOSPC. */
  fullFor: number;
  /** When set, only lines it picks fail (and count down `fullFor`). */
  fullWhen: ((line: string) => boolean) | undefined;
  /** Bytes a failing line gets before ENOSPC: a fraction of it, or all but `-n` bytes when negative. */
  partial: number;
  /** ftruncate calls still to fail. */
  truncateFails: number;
  /** fsync calls still to fail. */
  fsyncFails: number;
  /** Failures thrown so far, by syscall. */
  thrown: { write: number; ftruncate: number; fsync: number };
  /** writeSync calls that reached the disk. */
  writes: number;
}

export function faultyFs(): FaultyFs {
  const faulty: FaultyFs = {
    fullFor: 0,
    fullWhen: undefined,
    partial: 0.5,
    truncateFails: 0,
    fsyncFails: 0,
    thrown: { write: 0, ftruncate: 0, fsync: 0 },
    writes: 0,
    fs: {
      ...fs,
      writeSync: ((fd: number, buffer: Uint8Array, at?: number | null) => {
        const offset = at ?? 0;
        const full = faulty.fullWhen?.(Buffer.from(buffer).toString("utf8")) ?? true;
        if (faulty.fullFor > 0 && full) {
          const left = buffer.length - offset;
          const take =
            faulty.partial < 0 ? left + faulty.partial : Math.floor(left * faulty.partial);
          if (take > 0 && !tookPart.has(buffer)) {
            // The first call of a line gets part of it in; the next is refused.
            tookPart.add(buffer);
            faulty.writes++;
            return fs.writeSync(fd, buffer, offset, take);
          }
          faulty.fullFor--;
          faulty.thrown.write++;
          throw osError("ENOSPC", "write");
        }
        faulty.writes++;
        return fs.writeSync(fd, buffer, offset);
      }) as LogFs["writeSync"],
      ftruncateSync: (fd, len) => {
        if (faulty.truncateFails > 0) {
          faulty.truncateFails--;
          faulty.thrown.ftruncate++;
          throw osError("EIO", "ftruncate");
        }
        fs.ftruncateSync(fd, len);
      },
      fsyncSync: (fd) => {
        if (faulty.fsyncFails > 0) {
          faulty.fsyncFails--;
          faulty.thrown.fsync++;
          throw osError("EIO", "fsync");
        }
        fs.fsyncSync(fd);
      },
    },
  };
  const tookPart = new WeakSet<Uint8Array>();
  return faulty;
}

/** Every line of a topic folder's files, in order, as text (the last newline dropped). */
export function rawLines(folder: string): string[] {
  return fs
    .readdirSync(folder)
    .sort()
    .flatMap((name) => {
      const text = fs.readFileSync(`${folder}/${name}`, "utf8");
      return text === "" ? [] : text.replace(/\n$/, "").split("\n");
    });
}
