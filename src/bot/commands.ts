/**
 * Commands: their declared arguments, the registry that `!help` and
 * "did you mean" read, and the parser that turns `!cmd a "b c" --flag` into
 * typed values.
 */
import type { CooldownSpec } from "./cooldown.ts";

export type ArgType = "string" | "int" | "number";
export type FlagType = ArgType | "boolean";

export interface FlagSpec {
  type?: FlagType;
  /** One-letter alias, used as `-x`. */
  short?: string;
  help?: string;
}

export interface CommandSpec {
  /**
   * Positional arguments: `<name>` required, `[name]` optional, `<name...>` or
   * `[name...]` takes the rest of the line; `:int` or `:number` converts.
   * @example "<sides:int> [times:int]"
   */
  args?: string;
  flags?: Record<string, FlagSpec>;
  /** One line shown by `!help`. */
  help?: string;
  aliases?: readonly string[];
  /** `"admin"`, or IDs allowed to run it (plus admins when `admins: true`). */
  permission?: "admin" | { allow?: readonly string[]; admins?: boolean };
  cooldown?: CooldownSpec;
  /** Also answer replayed events (off by default). */
  replayed?: boolean;
  /**
   * What a user says and what the bot answers: shown by `!help name`, and
   * run as tests by `runCommandExamples` (scalarbot/testing), so the help
   * cannot drift from what the command does. A RegExp reply must match.
   * @example [{ say: "!roll 6", reply: /^[1-6]$/ }]
   */
  examples?: readonly CommandExample[];
}

/** One example of a command: a line said, the answer expected. */
export interface CommandExample {
  /** What the user says, prefix included (`!roll 6`). */
  say: string;
  /** The bot's answer: equal to a text, or matching a RegExp. */
  reply: string | RegExp;
}

/** A rest argument of type string is the joined text; of a number type, the list. */
export type ArgValue = string | number | boolean | number[] | undefined;
export type ParsedArgs = Record<string, ArgValue>;

interface PositionalSpec {
  name: string;
  type: ArgType;
  optional: boolean;
  rest: boolean;
}

export interface RegisteredCommand {
  readonly name: string;
  /** The name and its aliases, lower case. */
  readonly names: readonly string[];
  readonly spec: CommandSpec;
  readonly positionals: readonly PositionalSpec[];
  usage(prefix: string): string;
}

const COMMAND_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const ARG_TOKEN = /^(<|\[)([a-zA-Z_][a-zA-Z0-9_]*)(?::(string|int|number))?(\.\.\.)?(>|\])$/;

/** Parses an `args` declaration; throws on a malformed one (a plugin bug). */
export function parseArgSpec(spec: string | undefined, command: string): PositionalSpec[] {
  if (spec === undefined || spec.trim() === "") return [];
  const positionals = spec
    .trim()
    .split(/\s+/)
    .map((token) => {
      const m = ARG_TOKEN.exec(token);
      if (m === null || (m[1] === "<") !== (m[5] === ">")) {
        throw new Error(`command ${command}: bad argument declaration ${JSON.stringify(token)}`);
      }
      return {
        name: m[2]!,
        type: (m[3] ?? "string") as ArgType,
        optional: m[1] === "[",
        rest: m[4] !== undefined,
      };
    });
  positionals.forEach((p, i) => {
    if (p.rest && i !== positionals.length - 1) {
      throw new Error(`command ${command}: only the last argument may take the rest`);
    }
    const before = positionals[i - 1];
    if (!p.optional && before?.optional) {
      throw new Error(`command ${command}: a required argument cannot follow an optional one`);
    }
  });
  return positionals;
}

/** Who registered a command: the plugin, and the stack of the registration (for its line). */
export interface CommandOwner {
  readonly plugin: string | undefined;
  readonly registeredAt: Error;
}

/** A command name (or alias) registered a second time, on one bot. */
export class DuplicateCommandError extends Error {
  override readonly name = "DuplicateCommandError";
  readonly code = "duplicate_command";
  constructor(
    /** The name both registrations claim. */
    readonly command: string,
    /** The registration that came first. */
    readonly first: CommandOwner,
    /** The plugin of the registration refused (this error's stack is its own). */
    readonly plugin: string | undefined,
  ) {
    const by = (p: string | undefined) => (p === undefined ? "" : ` by plugin ${p}`);
    super(
      first.plugin === undefined && plugin === undefined
        ? `command ${JSON.stringify(command)} is registered twice`
        : `command ${JSON.stringify(command)} is registered twice: first${by(first.plugin)}, again${by(plugin)}`,
    );
  }
}

export class CommandRegistry {
  private readonly byName = new Map<string, RegisteredCommand>();
  private readonly owners = new Map<RegisteredCommand, CommandOwner>();
  private readonly commands: RegisteredCommand[] = [];

  /**
   * @param plugin who registers it, named when another registration claims the name
   * @throws DuplicateCommandError, or Error for a malformed name or declaration
   */
  register(name: string, spec: CommandSpec, plugin?: string): RegisteredCommand {
    const names = [name, ...(spec.aliases ?? [])].map((n) => n.toLowerCase());
    for (const n of names) {
      if (!COMMAND_NAME.test(n)) throw new Error(`invalid command name ${JSON.stringify(n)}`);
      const taken = this.byName.get(n);
      if (taken !== undefined) throw new DuplicateCommandError(n, this.owners.get(taken)!, plugin);
    }
    const positionals = parseArgSpec(spec.args, name);
    checkExamples(spec.examples, names[0]!);
    const command: RegisteredCommand = {
      name: names[0]!,
      names,
      spec,
      positionals,
      usage: (prefix) => usageLine(prefix, names[0]!, spec),
    };
    // Registrations happen at setup: one stack each is cheap, and names the line later.
    this.owners.set(command, { plugin, registeredAt: new Error("registered here") });
    for (const n of names) this.byName.set(n, command);
    this.commands.push(command);
    return command;
  }

  /** Forgets every command `plugin` registered (it was released): its names are free again. */
  release(plugin: string): void {
    for (const command of this.commands.filter((c) => this.owners.get(c)?.plugin === plugin)) {
      for (const n of command.names) if (this.byName.get(n) === command) this.byName.delete(n);
      this.owners.delete(command);
      this.commands.splice(this.commands.indexOf(command), 1);
    }
  }

  find(name: string): RegisteredCommand | undefined {
    return this.byName.get(name.toLowerCase());
  }

  list(): readonly RegisteredCommand[] {
    return [...this.commands].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Registered names within edit distance 2 of `name`, closest first. */
  suggest(name: string): string[] {
    const lower = name.toLowerCase();
    return [...this.byName.keys()]
      .map((candidate) => ({ candidate, distance: editDistance(lower, candidate) }))
      .filter(
        ({ distance }) => distance > 0 && distance <= Math.min(2, Math.max(1, lower.length - 1)),
      )
      .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
      .map(({ candidate }) => this.byName.get(candidate)!.name)
      .filter((n, i, all) => all.indexOf(n) === i);
  }
}

/** An example needs a line to say and an answer; thrown at registration (a plugin bug). */
function checkExamples(examples: CommandSpec["examples"], command: string): void {
  for (const [i, example] of (examples ?? []).entries()) {
    if (typeof example?.say !== "string" || example.say.trim() === "") {
      throw new Error(`command ${command}: examples[${i}] needs \`say\`, the line a user says`);
    }
    if (typeof example.reply !== "string" && !(example.reply instanceof RegExp)) {
      throw new Error(`command ${command}: examples[${i}] needs \`reply\`, a text or a RegExp`);
    }
  }
}

/** What a chat user reads: `!roll <sides> [times]`, types left out (`<sides:int>` is for authors). */
function usageLine(prefix: string, name: string, spec: CommandSpec): string {
  const parts = [`${prefix}${name}`];
  if (spec.args?.trim()) parts.push(spec.args.trim().replace(/:(?:string|int|number)\b/g, ""));
  for (const [flag, f] of Object.entries(spec.flags ?? {})) {
    const value = (f.type ?? "boolean") === "boolean" ? "" : ` <${f.type}>`;
    parts.push(`[--${flag}${value}]`);
  }
  return parts.join(" ");
}

/** Splits a command line into words; double or single quotes group words. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(pattern)) {
    if (m[1] !== undefined) words.push(m[1].replace(/\\(.)/g, "$1"));
    else words.push(m[2] ?? m[3]!);
  }
  return words;
}

export type ParseResult = { ok: true; args: ParsedArgs } | { ok: false; error: string };

function convert(value: string, type: ArgType, what: string): number | string | Error {
  if (type === "string") return value;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (type === "int" && !Number.isInteger(n))) {
    return new Error(
      `${what} must be ${type === "int" ? "a whole number" : "a number"}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** Parses the text after the command name against the command's declaration. */
export function parseCommandLine(command: RegisteredCommand, rest: string): ParseResult {
  const flags = command.spec.flags ?? {};
  const shortToLong = new Map(
    Object.entries(flags).flatMap(([name, f]) => (f.short ? [[f.short, name] as const] : [])),
  );
  const args: ParsedArgs = {};
  for (const [name, f] of Object.entries(flags)) {
    if ((f.type ?? "boolean") === "boolean") args[name] = false;
  }
  const words: string[] = [];
  const tokens = tokenize(rest);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "--") {
      words.push(...tokens.slice(i + 1));
      break;
    }
    const long = /^--([a-zA-Z][\w-]*)(?:=(.*))?$/.exec(token);
    const short = /^-([a-zA-Z])$/.exec(token);
    const flagName = long ? long[1]! : short ? shortToLong.get(short[1]!) : undefined;
    if (long === null && short === null) {
      words.push(token);
      continue;
    }
    const spec = flagName === undefined ? undefined : flags[flagName];
    if (flagName === undefined || spec === undefined)
      return { ok: false, error: `unknown option ${token}` };
    const type = spec.type ?? "boolean";
    if (type === "boolean") {
      args[flagName] = true;
      continue;
    }
    const raw = long?.[2] ?? tokens[++i];
    if (raw === undefined) return { ok: false, error: `option --${flagName} needs a value` };
    const value = convert(raw, type, `--${flagName}`);
    if (value instanceof Error) return { ok: false, error: value.message };
    args[flagName] = value;
  }
  let w = 0;
  for (const p of command.positionals) {
    if (p.rest) {
      const taken = words.slice(w);
      if (taken.length === 0 && !p.optional) return { ok: false, error: `missing ${p.name}` };
      const values: (string | number)[] = [];
      for (const word of taken) {
        const value = convert(word, p.type, p.name);
        if (value instanceof Error) return { ok: false, error: value.message };
        values.push(value);
      }
      args[p.name] = p.type === "string" ? values.join(" ") : (values as number[]);
      w = words.length;
      continue;
    }
    const word = words[w];
    if (word === undefined) {
      if (!p.optional) return { ok: false, error: `missing ${p.name}` };
      args[p.name] = undefined;
      continue;
    }
    const value = convert(word, p.type, p.name);
    if (value instanceof Error) return { ok: false, error: value.message };
    args[p.name] = value;
    w++;
  }
  if (w < words.length) return { ok: false, error: `unexpected ${JSON.stringify(words[w])}` };
  return { ok: true, args };
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ------------------------------------------------ argument types, inferred --
// `command("roll", { args: "<sides:int> [label...]" }, (ctx) => …)` types
// `ctx.command.args` as `{ sides: number; label: string }` from the text.

type Trim<S extends string> = S extends ` ${infer R}`
  ? Trim<R>
  : S extends `${infer R} `
    ? Trim<R>
    : S;
type Words<S extends string> = S extends `${infer A} ${infer B}`
  ? [A, ...Words<Trim<B>>]
  : S extends ""
    ? []
    : [S];
type ValueOf<T extends string> = T extends "int" | "number" ? number : string;
type NameAndType<X extends string> = X extends `${infer N}:${infer T}` ? [N, T] : [X, "string"];
type ArgEntry<Inner extends string, Optional extends boolean> = Inner extends `${infer X}...`
  ? NameAndType<X> extends [infer N extends string, infer T extends string]
    ? { [K in N]: ValueOf<T> extends number ? number[] : string }
    : never
  : NameAndType<Inner> extends [infer N extends string, infer T extends string]
    ? { [K in N]: Optional extends true ? ValueOf<T> | undefined : ValueOf<T> }
    : never;
type ArgOf<W extends string> = W extends `<${infer I}>`
  ? ArgEntry<I, false>
  : W extends `[${infer I}]`
    ? ArgEntry<I, true>
    : Record<never, never>;
type Merge<L extends string[]> = L extends [infer H extends string, ...infer R extends string[]]
  ? ArgOf<H> & Merge<R>
  : unknown;
type PositionalsOf<S> = S extends string
  ? string extends S
    ? ParsedArgs
    : Merge<Words<Trim<S>>>
  : unknown;
type FlagValue<F> = F extends { type: "int" | "number" }
  ? number | undefined
  : F extends { type: "string" }
    ? string | undefined
    : boolean;
type FlagsOf<F> =
  F extends Record<string, FlagSpec> ? { [K in keyof F]: FlagValue<F[K]> } : unknown;

/** The parsed arguments of a command declared with `spec`. */
export type ArgsOf<S> = S extends { args?: infer A; flags?: infer F }
  ? PositionalsOf<A> & FlagsOf<F>
  : ParsedArgs;
