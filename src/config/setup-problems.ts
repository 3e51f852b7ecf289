/**
 * Plugins whose `setup` failed on a bot: a throw (a bad `every` schedule
 * among them) or a command another plugin registered first. Each problem
 * is located twice: at the plugin's entry in the configuration file, and
 * at the line of the plugin's source the error came from.
 */

import { DuplicateCommandError } from "../bot/commands.ts";
import type { LoadedPlugin } from "../bot/loader.ts";
import { formatLocation, locateError } from "../bot/source-location.ts";
import type { LoadedConfig } from "./load.ts";
import { fileName, useLine, writtenUse } from "./places.ts";
import { formatProblem, sortProblems } from "./problems.ts";

/** Why a plugin could not be set up (`SetupProblem.code`). */
export const SETUP_CODES = [
  // `setup` threw (a bad `every` schedule, a bad command declaration, the plugin's own error).
  "setup_failed",
  // A command name or alias another plugin of the bot registered first.
  "duplicate_command",
] as const;
export type SetupCode = (typeof SETUP_CODES)[number];

export interface SetupProblem {
  code: SetupCode;
  /** The configuration file, as the loader named it. */
  file: string;
  /** Line of the plugin's `use:`, when the bot came from a file. */
  line: number | undefined;
  /** `bots[0].plugins[1]`. */
  path: string;
  message: string;
  bot: string;
  /** The plugin's `use:` as written (its name for a plugin given in code). */
  plugin: string;
  /** `bots/hello.ts:12`: the line of the plugin's source the error came from. */
  source: string | undefined;
  /** What was thrown. */
  error: unknown;
}

/** Plugins of one or more bots could not be set up; `problems` lists every one. */
export class PluginSetupError extends Error {
  override readonly name = "PluginSetupError";
  /** As ConfigError's: `scalar run` and `scalar validate` exit 2 on it. */
  readonly code = "plugin_setup_failed";
  readonly problems: readonly SetupProblem[];
  constructor(problems: readonly SetupProblem[]) {
    const sorted = sortProblems(problems);
    super(sorted.map(formatProblem).join("\n"), { cause: sorted[0]?.error });
    this.problems = sorted;
  }
}

/** One bot's plugins, as `describeSetupFailure` needs them. */
export interface SetupSite {
  loaded: LoadedConfig;
  botIndex: number;
  botId: string;
  plugins: readonly LoadedPlugin[];
  /** The bot's command prefix, for `!name` in messages. */
  prefix: string;
}

/** `use:` as written in the file, else the plugin's name. */
function pluginLabel(site: SetupSite, index: number): string {
  const written = writtenUse(site.loaded, site.botIndex, index);
  return typeof written === "string" ? written : site.plugins[index]!.name;
}

function entryLine(site: SetupSite, index: number): number | undefined {
  return useLine(site.loaded, site.botIndex, index);
}

function where(error: unknown, plugin: LoadedPlugin | undefined): string | undefined {
  const at = locateError(error, plugin?.source);
  return at === undefined ? undefined : formatLocation(at);
}

/** The problem of plugin `index` of a bot whose `setup` threw `error`. */
export function describeSetupFailure(site: SetupSite, index: number, error: unknown): SetupProblem {
  const plugin = site.plugins[index]!;
  const label = pluginLabel(site, index);
  const source = where(error, plugin);
  const base = {
    file: fileName(site.loaded),
    line: entryLine(site, index),
    path: `bots[${site.botIndex}].plugins[${index}]`,
    bot: site.botId,
    plugin: label,
    source,
    error,
  };
  const owner = ` (plugin ${label} of bot ${site.botId})`;
  if (error instanceof DuplicateCommandError) {
    const firstIndex = site.plugins.findIndex((p) => p.name === error.first.plugin);
    const first = firstIndex < 0 ? undefined : site.plugins[firstIndex];
    const firstAt = where(error.first.registeredAt, first);
    const firstLine = firstIndex < 0 ? undefined : entryLine(site, firstIndex);
    const firstName =
      firstIndex < 0 ? (error.first.plugin ?? "the bot") : pluginLabel(site, firstIndex);
    const at = (loc: string | undefined) => (loc === undefined ? "" : ` at ${loc}`);
    const second =
      index === firstIndex ? "then again by the same plugin" : `and by plugin ${label}`;
    return {
      ...base,
      code: "duplicate_command",
      message: `${site.prefix}${error.command} is registered twice: by plugin ${firstName}${firstLine === undefined ? "" : ` (line ${firstLine})`}${at(firstAt)} ${second}${at(source)}; rename one of them (bot ${site.botId})`,
    };
  }
  const why = error instanceof Error ? error.message : String(error);
  return {
    ...base,
    code: "setup_failed",
    message: `setup failed${source === undefined ? "" : ` at ${source}`}: ${why}${owner}`,
  };
}
