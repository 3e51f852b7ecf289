/**
 * Reads a configuration file: YAML (line numbers kept), `${VAR}`
 * interpolation, the schema, then the checks across bots. Every problem of
 * the file is reported at once, each naming the file, line, key path and
 * what was expected; nothing starts on an invalid file.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { isBuiltin } from "../plugins/builtins.ts";
import { crossChecks } from "./checks.ts";
import { schemaProblems } from "./issues.ts";
import { pluginOwner } from "./messages.ts";
import type { EntryPlaces } from "./places.ts";
import { rememberEntries } from "./plugin-options.ts";
import { ConfigError, type ConfigProblem, type ConfigWarning } from "./problems.ts";
import { type Config, configSchema } from "./schema.ts";
import { ConfigSource } from "./source.ts";

export {
  ConfigError,
  type ConfigProblem,
  type ConfigWarning,
  formatPath,
  formatProblem,
  formatWarning,
} from "./problems.ts";

export interface LoadedConfig {
  /** Absolute path of the file. */
  file: string;
  /** Its folder: relative paths in it resolve here. */
  dir: string;
  config: Config;
  /** What a valid file may still get wrong, for the caller to print (`formatWarning`). */
  warnings?: ConfigWarning[];
  /** The file's YAML with lines, to locate problems found later (plugin options). */
  source?: ConfigSource;
  /** Without `source`: where its plugin entries stand, for messages (places.ts). */
  places?: EntryPlaces;
}

/** A checked configuration, what is doubtful in it, and its YAML. */
export interface CheckedConfig {
  config: Config;
  warnings: ConfigWarning[];
  source: ConfigSource;
}

/** Reads and validates a file. @throws ConfigError */
export function loadConfig(
  path: string,
  env: Record<string, string | undefined> = process.env,
): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConfigError([
      {
        code: "unreadable",
        file: path,
        line: undefined,
        path: "",
        message:
          code === "ENOENT"
            ? "no such file"
            : code === "EISDIR"
              ? "is a folder, not a configuration file"
              : `cannot read: ${(error as Error).message}`,
      },
    ]);
  }
  const dir = dirname(file);
  const checked = checkConfig(text, path, env, dir);
  const loaded = { file, dir, ...checked, config: resolvePaths(checked.config, dir) };
  rememberEntries(loaded);
  return loaded;
}

/** Validates configuration text; `name` is used in messages. @throws ConfigError */
export function parseConfig(
  text: string,
  name: string,
  env: Record<string, string | undefined> = process.env,
): Config {
  return checkConfig(text, name, env).config;
}

/**
 * Validates configuration text and returns it with its warnings; `dir` is
 * where relative `state` folders resolve (default the current folder).
 * Paths in the result are as written. @throws ConfigError with every problem
 */
export function checkConfig(
  text: string,
  name: string,
  env: Record<string, string | undefined> = process.env,
  dir: string = process.cwd(),
): CheckedConfig {
  const source = ConfigSource.parse(text, name);
  const problems: ConfigProblem[] = [...source.problems];
  const unset = source.interpolate(env);
  problems.push(...unset);
  const data = source.data();
  // A value left as `${VAR}` is reported once, as unset, not again as a bad value.
  const unsetPaths = new Set(unset.map((p) => p.path));
  problems.push(
    ...schemaProblems(configSchema, data, source, (path) => pluginOwner(data, path)).filter(
      (p) => !unsetPaths.has(p.path),
    ),
  );
  const cross = crossChecks(data, source, dir);
  problems.push(...cross.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: configSchema.parse(data) as Config, warnings: cross.warnings, source };
}

// ------------------------------------------------------------------ paths --

function resolvePaths(config: Config, dir: string): Config {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const server =
    "embedded" in config.server
      ? {
          embedded: {
            ...config.server.embedded,
            history: config.server.embedded.history.startsWith("sqlite:")
              ? `sqlite:${abs(config.server.embedded.history.slice("sqlite:".length))}`
              : config.server.embedded.history,
            ...(config.server.embedded.tokens === undefined
              ? {}
              : { tokens: abs(config.server.embedded.tokens) }),
          },
        }
      : config.server;
  return {
    ...config,
    server,
    bots: config.bots.map((bot) => ({
      ...bot,
      state: abs(bot.state),
      plugins: bot.plugins.map((p) => (isBuiltin(p.use) ? p : { ...p, use: abs(p.use) })),
    })),
  } as Config;
}
