/**
 * `scalar init [DIR]`: a new bot project from templates/project (shipped in
 * the package), with a package.json written here that depends on this very
 * version of scalarbot and of Bun.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { usageError } from "./exit.ts";

const PACKAGE_ROOT = join(import.meta.dir, "../..");
const TEMPLATE = join(PACKAGE_ROOT, "templates/project");

/** npm leaves `.gitignore` out of a tarball, so the template keeps it under another name. */
const RENAMED: Record<string, string> = { gitignore: ".gitignore" };

/** Entries that do not make a folder "not empty" (a fresh `git init`). */
const IGNORED_ENTRIES = new Set([".git"]);

export type InitErrorCode = "not_empty" | "not_a_folder" | "no_template";

export class InitError extends Error {
  override readonly name = "InitError";
  constructor(
    readonly code: InitErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface InitOptions {
  /** Write into a folder that is not empty (files of the same name are replaced). */
  force?: boolean;
  /**
   * What package.json depends on instead of this version: a version range,
   * or a path to a checkout or a packed tarball, written as `file:` (a
   * relative path is taken from `cwd` and written relative to the project).
   */
  scalarbot?: string;
  /** Where relative paths are taken from (default the current folder). */
  cwd?: string;
}

export interface InitResult {
  dir: string;
  name: string;
  /** Files written, relative to `dir`, in a stable order. */
  files: string[];
}

interface OwnPackage {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as OwnPackage;
}

/** A package name npm accepts, from a folder's name (`My Bot` → `my-bot`). */
export function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+/, "")
    .replace(/-+$/, "")
    .slice(0, 214);
  return name === "" ? "scalar-bots" : name;
}

/** The dependency spec for scalarbot: a path becomes `file:` relative to the project. */
function scalarbotSpec(option: string | undefined, dir: string, cwd: string): string {
  if (option === undefined) return ownPackage().version;
  const path = option.startsWith("file:") ? option.slice(5) : option;
  const isPath =
    option.startsWith("file:") || path.startsWith(".") || isAbsolute(path) || path.endsWith(".tgz");
  if (!isPath) return option;
  if (isAbsolute(path)) return `file:${path}`;
  const rel = relative(dir, resolve(cwd, path)).split(sep).join("/");
  return `file:${rel === "" ? "." : rel}`;
}

function projectPackageJson(name: string, spec: string): string {
  const own = ownPackage();
  const pin = (table: Record<string, string>, dep: string) => {
    const version = table[dep];
    if (version === undefined) throw new Error(`scalarbot's package.json names no ${dep} version`);
    return version;
  };
  const pkg = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      start: "scalar run bots.yaml",
      test: "bun test",
      typecheck: "tsc --noEmit",
      validate: "scalar validate bots.yaml",
    },
    dependencies: { scalarbot: spec },
    devDependencies: {
      "@types/bun": pin(own.dependencies, "@types/bun"),
      bun: pin(own.dependencies, "bun"),
      typescript: pin(own.devDependencies, "typescript"),
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Every template file, relative to the template folder. */
function templateFiles(dir = TEMPLATE, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      return entry.isDirectory() ? templateFiles(join(dir, entry.name), rel) : [rel];
    });
}

function checkTarget(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new InitError("not_a_folder", `${dir} exists and is not a folder`);
  }
  const entries = readdirSync(dir).filter((e) => !IGNORED_ENTRIES.has(e));
  if (entries.length > 0 && !force) {
    const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? ", …" : "");
    throw new InitError(
      "not_empty",
      `${dir} is not empty (${shown}); choose an empty or new folder, or pass --force to write the project's files into it (files of the same name are replaced)`,
    );
  }
}

/** Writes a new project into `target` (created if missing). */
export function initProject(target: string, options: InitOptions = {}): InitResult {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, target);
  if (!existsSync(TEMPLATE)) {
    throw new InitError("no_template", `the project template is missing: ${TEMPLATE}`);
  }
  checkTarget(dir, options.force ?? false);
  const name = packageName(basename(dir));
  const written: [string, string][] = [
    ["package.json", projectPackageJson(name, scalarbotSpec(options.scalarbot, dir, cwd))],
  ];
  for (const file of templateFiles()) {
    const base = basename(file);
    const out = join(dirname(file), RENAMED[base] ?? base);
    const text = readFileSync(join(TEMPLATE, file), "utf8").replaceAll("{{name}}", name);
    written.push([out, text]);
  }
  for (const [file, text] of written) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return { dir, name, files: written.map(([file]) => file) };
}

/** The command: writes the project and says what to run next. */
export function initCommand(target: string, flags: InitOptions): void {
  let result: InitResult;
  try {
    result = initProject(target, flags);
  } catch (error) {
    if (!(error instanceof InitError)) throw error;
    usageError(`scalar init: ${error.message}`);
  }
  const where = relative(process.cwd(), result.dir) || ".";
  const lines = [
    `created ${where === "." ? "the project" : where}: ${result.files.join(", ")}`,
    "next:",
    ...(where === "." ? [] : [`  cd ${where}`]),
    "  npm install",
    "  npm test      # the bots against a test server",
    "  npm start     # the bots on a server at 127.0.0.1:7667",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
