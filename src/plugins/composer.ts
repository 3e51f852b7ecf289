/**
 * A middleware chain in the spirit of grammY's Composer: every feature
 * (`on`, `hears`, `command`, `filter`) is built from `use` over
 * `(ctx, next)`, and each registration returns a sub-chain that runs only
 * when its registration matched.
 */
import {
  type CommandRegistry,
  type CommandSpec,
  type ParsedArgs,
  parseCommandLine,
  type RegisteredCommand,
} from "./commands.ts";
import type { Cooldowns } from "./cooldown.ts";

/** What the chain needs to know about an event; the runtime's context satisfies it. */
export interface ChainContext {
  readonly kind: string;
  readonly topic: string;
  readonly from: string;
  readonly body?: string | undefined;
  /** True for events replayed from history after a reconnect or restart. */
  readonly replayed: boolean;
  /** Captures of the `hears` pattern that matched, if any. */
  match?: RegExpMatchArray | undefined;
  /** The command that matched and its parsed arguments, if any. */
  command?: { name: string; args: ParsedArgs } | undefined;
  reply(text: string): Promise<unknown>;
}

export type NextFunction = () => Promise<void>;
export type Middleware<C> = (ctx: C, next: NextFunction) => unknown;
export type Filter<C> = (ctx: C) => boolean;

/** Settings shared by a composer and every sub-chain made from it. */
export interface ChainSettings {
  /** Prefix that starts a command, `!` by default. */
  prefix: string;
  commands: CommandRegistry;
  cooldowns: Cooldowns;
  /** Whether `from` may run admin-only commands. */
  isAdmin(id: string): boolean;
}

export interface RespondOptions {
  /** Also run for replayed events (off by default: no answering an old `!ping`). */
  replayed?: boolean;
}

const done: NextFunction = () => Promise.resolve();

/**
 * Runs `handlers` from index `i`, each given a `next` that runs the rest.
 * A flat array rather than nested closures keeps a long chain cheap, and a
 * handler that returns synchronously costs no extra await.
 */
function dispatch<C>(
  handlers: readonly Middleware<C>[],
  i: number,
  ctx: C,
  next: NextFunction,
): Promise<void> {
  if (i === handlers.length) return next();
  let called = false;
  const rest: NextFunction = () => {
    if (called) return Promise.reject(new Error("next() called more than once by one middleware"));
    called = true;
    return dispatch(handlers, i + 1, ctx, next);
  };
  try {
    const result = handlers[i]!(ctx, rest);
    return result instanceof Promise ? result.then(() => {}) : Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Consecutive `command` registrations share one lookup table. */
interface CommandGroup<C> {
  readonly table: Map<string, (ctx: C, line: CommandLine, next: NextFunction) => Promise<void>>;
}

interface CommandLine {
  name: string;
  rest: string;
}

export class Composer<C extends ChainContext> {
  private readonly handlers: Middleware<C>[];
  private lastGroup: CommandGroup<C> | undefined;

  constructor(
    protected readonly settings: ChainSettings,
    ...middleware: Middleware<C>[]
  ) {
    this.handlers = middleware;
  }

  /** The whole chain as one middleware. */
  middleware(): (ctx: C, next: NextFunction) => Promise<void> {
    return (ctx, next) => dispatch(this.handlers, 0, ctx, next);
  }

  /** Runs the chain for one event; resolves when every handler finished. */
  run(ctx: C): Promise<void> {
    return dispatch(this.handlers, 0, ctx, done);
  }

  private add(handler: Middleware<C>): void {
    this.handlers.push(handler);
    this.lastGroup = undefined;
  }

  /** Adds middleware; returns a sub-chain that runs after it when it calls `next`. */
  use(...middleware: Middleware<C>[]): Composer<C> {
    const child = new Composer<C>(this.settings, ...middleware);
    this.add(child.middleware());
    return child;
  }

  /** Runs the sub-chain only for events passing `predicate`; others go past it. */
  filter(predicate: Filter<C>, ...middleware: Middleware<C>[]): Composer<C> {
    const child = new Composer<C>(this.settings, ...middleware);
    const run = child.middleware();
    this.add((ctx, next) => (predicate(ctx) ? run(ctx, next) : next()));
    return child;
  }

  /**
   * Handles events of one kind (`"message"`, `"join"`, `"leave"`) or passing a
   * predicate. Replayed events are included: `on` is for recorders too.
   */
  on(kind: string | Filter<C>, ...middleware: Middleware<C>[]): Composer<C> {
    const predicate: Filter<C> = typeof kind === "string" ? (ctx) => ctx.kind === kind : kind;
    return this.filter(predicate, ...middleware);
  }

  /**
   * Handles messages whose body matches `pattern` (a RegExp, or a text
   * matched case-insensitively as a whole word anywhere). Captures land in
   * `ctx.match`.
   *
   * @example bot.hears(/^hello (\w+)/i, (ctx) => ctx.reply(`hi ${ctx.match![1]}`))
   */
  hears(
    pattern: RegExp | string,
    ...args: [...Middleware<C>[]] | [RespondOptions, ...Middleware<C>[]]
  ): Composer<C> {
    const [options, middleware] = splitOptions<C>(args);
    const regex = typeof pattern === "string" ? textPattern(pattern) : pattern;
    return this.filter(
      (ctx) => {
        if (!respondsTo(ctx, options)) return false;
        const match = ctx.body!.match(regex);
        if (match === null) return false;
        ctx.match = match;
        return true;
      },
      ...middleware,
    );
  }

  /**
   * Registers a command (`!name args`), with typed arguments, help text,
   * aliases, permissions and cooldowns. Arguments are parsed before the
   * handler runs; a usage error is answered with the command's usage line.
   *
   * @example bot.command("roll", { args: "<sides:int>", help: "roll a die" }, (ctx) =>
   *   ctx.reply(String(1 + Math.floor(Math.random() * ctx.command!.args.sides))))
   */
  command(name: string, spec: CommandSpec, ...middleware: Middleware<C>[]): Composer<C> {
    const command = this.settings.commands.register(name, spec);
    const child = new Composer<C>(this.settings, ...middleware);
    const run = child.middleware();
    const group = this.lastGroup ?? this.addCommandGroup();
    const entry = (ctx: C, line: CommandLine, next: NextFunction) => {
      if (!respondsTo(ctx, spec)) return next();
      return this.runCommand(command, line.rest, ctx, () => run(ctx, next));
    };
    for (const n of command.names) group.table.set(n, entry);
    return child;
  }

  private addCommandGroup(): CommandGroup<C> {
    const group: CommandGroup<C> = { table: new Map() };
    const prefix = this.settings.prefix;
    this.add((ctx, next) => {
      const line = commandLine(ctx, prefix);
      const entry = line === undefined ? undefined : group.table.get(line.name);
      return entry === undefined ? next() : entry(ctx, line!, next);
    });
    this.lastGroup = group;
    return group;
  }

  private async runCommand(
    command: RegisteredCommand,
    rest: string,
    ctx: C,
    handle: () => Promise<void>,
  ): Promise<void> {
    const { permission, cooldown } = command.spec;
    if (permission !== undefined && !isPermitted(permission, ctx.from, this.settings)) {
      await ctx.reply(`!${command.name}: not allowed for ${ctx.from}`);
      return;
    }
    const parsed = parseCommandLine(command, rest);
    if (!parsed.ok) {
      await ctx.reply(`${parsed.error} — usage: ${command.usage(this.settings.prefix)}`);
      return;
    }
    if (cooldown !== undefined) {
      const wait = this.settings.cooldowns.take(command.name, cooldown, ctx);
      if (wait > 0) return;
    }
    ctx.command = { name: command.name, args: parsed.args };
    await handle();
  }
}

function splitOptions<C>(
  args: [...Middleware<C>[]] | [RespondOptions, ...Middleware<C>[]],
): [RespondOptions, Middleware<C>[]] {
  const [first, ...rest] = args;
  if (first !== undefined && typeof first !== "function") return [first, rest as Middleware<C>[]];
  return [{}, args as Middleware<C>[]];
}

function respondsTo(ctx: ChainContext, options: RespondOptions): boolean {
  return (
    ctx.kind === "message" &&
    typeof ctx.body === "string" &&
    (!ctx.replayed || options.replayed === true)
  );
}

/** Splits `!name rest` (any case); undefined when the body is no command. */
function commandLine(ctx: ChainContext, prefix: string): CommandLine | undefined {
  const body = ctx.body;
  if (ctx.kind !== "message" || typeof body !== "string" || !body.startsWith(prefix)) {
    return undefined;
  }
  const text = body.slice(prefix.length);
  const space = text.search(/\s/);
  const name = (space < 0 ? text : text.slice(0, space)).toLowerCase();
  return { name, rest: space < 0 ? "" : text.slice(space + 1) };
}

function isPermitted(
  permission: NonNullable<CommandSpec["permission"]>,
  from: string,
  settings: ChainSettings,
): boolean {
  if (permission === "admin") return settings.isAdmin(from);
  if (permission.admins === true && settings.isAdmin(from)) return true;
  return permission.allow?.some((id) => id.toLowerCase() === from) ?? false;
}

function textPattern(text: string): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?:^|\\b)${escaped}(?:\\b|$)`, "i");
}
