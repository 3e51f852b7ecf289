/**
 * The configuration file of `scalar run` and `scalar validate`: its schema
 * (schema.ts, also emitted as JSON Schema), reading and checking it
 * (load.ts: YAML with lines, `${VAR}`s, the schema, checks across bots),
 * and loading its plugins (plugins.ts). Every problem is reported at once,
 * located as `file:line: key.path: what is wrong`, with a stable code;
 * doubtful but valid parts come back as warnings, never printed here.
 */
export {
  type CheckedConfig,
  ConfigError,
  type ConfigProblem,
  type ConfigWarning,
  checkConfig,
  formatProblem,
  formatWarning,
  type LoadedConfig,
  loadConfig,
  parseConfig,
} from "./load.ts";
export { type CheckedOptions, checkPluginOptions } from "./plugin-options.ts";
export { checkPlugins, loadConfiguredPlugin, PluginOptionsError } from "./plugins.ts";
export { PROBLEM_CODES, type ProblemCode, WARNING_CODES, type WarningCode } from "./problems.ts";
export { type BotConfig, type Config, configJsonSchema, configSchema } from "./schema.ts";
