/**
 * Where in a plugin's source an error came from, read from its stack: the
 * first frame inside the plugin's own file, or else the first frame
 * outside scalarbot's runtime (a plugin given as an object in a test, a
 * built-in plugin). Messages show it as `path:LINE`, relative to the
 * current folder when it is inside it.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";

export interface SourceLocation {
  /** Absolute path of the file. */
  file: string;
  line: number;
  column: number;
}

const SRC = resolve(import.meta.dir, "..");
/** Folders of scalarbot whose frames are the runtime's, not a plugin's. */
const RUNTIME = ["bot", "client", "config", "testing", "cli", "protocol", "server"].map(
  (folder) => `${resolve(SRC, folder)}${sep}`,
);

/** `at fn (/path/file.ts:12:5)` or `at /path/file.ts:12:5`. */
const FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/;

/** The frames of a stack that name a file, top first. */
export function stackFrames(stack: string | undefined): SourceLocation[] {
  if (stack === undefined) return [];
  const frames: SourceLocation[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    const file = m[1]!.startsWith("file://") ? Bun.fileURLToPath(m[1]!) : m[1]!;
    if (!isAbsolute(file)) continue;
    frames.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

function isRuntime(file: string): boolean {
  return file.includes(`${sep}node_modules${sep}`) || RUNTIME.some((dir) => file.startsWith(dir));
}

/**
 * Where `error` was thrown from: the first frame in `file` (the plugin's
 * module) when given and present, else the first frame outside the
 * runtime. Undefined when the stack names neither (or it is no Error).
 */
export function locateError(error: unknown, file?: string): SourceLocation | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  const frames = stackFrames(stack);
  const own = file === undefined ? undefined : resolve(file);
  return (
    (own === undefined ? undefined : frames.find((f) => f.file === own)) ??
    frames.find((f) => !isRuntime(f.file))
  );
}

/** A path as messages show it: relative to `cwd` when inside it, else absolute. */
export function shownPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** `bots/hello.ts:12`: relative to `cwd` when inside it, else absolute. */
export function formatLocation(location: SourceLocation, cwd = process.cwd()): string {
  return `${shownPath(location.file, cwd)}:${location.line}`;
}
