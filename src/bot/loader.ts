/**
 * Turns a `plugins:` entry into a plugin with validated options: one of the
 * named plugins the caller knows (the configuration passes the built-ins),
 * or a TypeScript module by path exporting `default` (a plugin object, or a
 * bare setup function) or a named `setup` (with an optional named `options`
 * schema).
 */
import { describeCause } from "../client/errors.ts";
import { installPlugin, type Plugin } from "./api.ts";
import { moduleGraph } from "./module-graph.ts";
import { formatLocation, shownPath } from "./source-location.ts";

/** A plugin as a configuration names it: a known name or a module path, and its options. */
export interface PluginEntry {
  use: string;
  with?: unknown;
}

export interface LoadedPlugin {
  /** The name logs and errors use. */
  name: string;
  /** Its `setup` also hooks the module's `start` and `stop` to the bot's. */
  plugin: Plugin<unknown>;
  options: unknown;
  /** The module's file, for a plugin loaded by path: error locations are looked for there. */
  source?: string;
  /** For a plugin loaded by path: its file and the project files it imports (what a reload watches). */
  files?: string[];
}

/** A plugin that could not be loaded; `where` is the key path in the configuration. */
export class PluginLoadError extends Error {
  override readonly name = "PluginLoadError";
  constructor(
    readonly where: string,
    message: string,
    cause?: unknown,
  ) {
    super(`${where}: ${message}`, cause === undefined ? undefined : { cause });
  }
}

export async function loadPlugin(
  entry: PluginEntry,
  where: string,
  named: Readonly<Record<string, Plugin<unknown>>> = {},
): Promise<LoadedPlugin> {
  let plugin: Plugin<unknown>;
  let name: string;
  const known = Object.hasOwn(named, entry.use) ? named[entry.use] : undefined;
  if (known !== undefined) {
    plugin = known;
    name = entry.use;
  } else {
    let module: Record<string, unknown>;
    try {
      // Bun's own, not node:url's: a bot process need not load that module.
      module = await import(Bun.pathToFileURL(entry.use).href);
    } catch (error) {
      throw new PluginLoadError(
        `${where}.use`,
        `cannot load ${shownPath(entry.use)}: ${describeImportError(error, entry.use)}`,
        error,
      );
    }
    plugin = pluginOf(module, `${where}.use`, entry.use);
    name =
      plugin.name ??
      entry.use
        .split("/")
        .pop()!
        .replace(/\.[jt]s$/, "");
  }
  let options: unknown = entry.with ?? {};
  if (plugin.options !== undefined) {
    const result = plugin.options.safeParse(options, { reportInput: true });
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const key = issue.path
        .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
        .join("");
      throw new PluginLoadError(`${where}.with${key}`, issue.message);
    }
    options = result.data;
  }
  return {
    name,
    plugin: withLifecycle(plugin),
    options,
    ...(known === undefined ? { source: entry.use, files: moduleGraph(entry.use) } : {}),
  };
}

/** Bun's build error: `position` is where in which file. */
interface BuildMessage {
  message: string;
  position?: { file: string; line: number; column: number; lineText?: string } | null;
}

function isBuildMessage(value: unknown): value is BuildMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === "BuildMessage" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/**
 * Why an import failed. A module that does not compile makes Bun throw an
 * AggregateError ("3 errors building …") whose `errors` say where: each
 * is shown as `file:LINE:COLUMN: message` with its source line.
 */
export function describeImportError(error: unknown, file?: string): string {
  const missing = error as { name?: unknown; code?: unknown; specifier?: unknown } | null;
  if (
    missing?.name === "ResolveMessage" &&
    missing.code === "ERR_MODULE_NOT_FOUND" &&
    file !== undefined &&
    typeof missing.specifier === "string" &&
    missing.specifier.endsWith(file)
  ) {
    // Bun names the loader as the importer: the file itself is what is missing.
    return "no such file";
  }
  const found = (error as { errors?: unknown } | null)?.errors;
  const messages = Array.isArray(found) ? found.filter(isBuildMessage) : [];
  if (isBuildMessage(error)) messages.push(error);
  if (messages.length === 0) return describeCause(error);
  const lines = messages.map((m) => {
    const at = m.position;
    if (at === undefined || at === null) return `  ${m.message}`;
    const where = `${formatLocation({ file: at.file, line: at.line, column: at.column })}:${at.column}`;
    const text = at.lineText?.trimEnd();
    return `  ${where}: ${m.message}${text ? `\n      ${text.trim()}` : ""}`;
  });
  const n = messages.length;
  return `it does not compile (${n} error${n === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

/** A plugin whose `setup` installs the whole plugin: setup, then start and stop hooked. */
function withLifecycle(plugin: Plugin<unknown>): Plugin<unknown> {
  if (plugin.start === undefined && plugin.stop === undefined) return plugin;
  return {
    ...(plugin.name === undefined ? {} : { name: plugin.name }),
    ...(plugin.options === undefined ? {} : { options: plugin.options }),
    setup: (bot, options) => installPlugin(plugin, bot, options),
  };
}

function pluginOf(module: Record<string, unknown>, where: string, path: string): Plugin<unknown> {
  const candidate = module.default;
  if (typeof candidate === "function") return { setup: candidate as Plugin<unknown>["setup"] };
  if (isPlugin(candidate)) return candidate;
  if (typeof module.setup === "function") {
    return {
      setup: module.setup as Plugin<unknown>["setup"],
      ...(module.options === undefined
        ? {}
        : { options: module.options as Plugin<unknown>["options"] }),
      ...(typeof module.name === "string" ? { name: module.name } : {}),
    };
  }
  throw new PluginLoadError(
    where,
    `${shownPath(path)} exports no plugin: expected \`export default definePlugin({ setup })\` or \`export function setup(bot, options)\``,
  );
}

function isPlugin(value: unknown): value is Plugin<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { setup?: unknown }).setup === "function"
  );
}
