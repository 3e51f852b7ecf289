/**
 * A middleware chain in the spirit of grammY's Composer: every feature
 * (`on`, `hears`, `command`, `filter`) is built from `use` over
 * `(ctx, next)`, and each registration returns a sub-chain that runs only
 * when its registration matched.
 */
import {
  type ArgsOf,
  type CommandRegistry,
  type CommandSpec,
  type ParsedArgs,
  parseCommandLine,
  type RegisteredCommand,
} from "./commands.ts";
import { type CooldownSpec, type Cooldowns, describeWait } from "./cooldown.ts";

/** What the chain needs to know about an event; the runtime's context satisfies it. */
export interface ChainContext {
  readonly kind: string;
  readonly topic: string;
  readonly from: string;
  readonly body?: string | undefined;
  /** True for events replayed from history after a reconnect or restart. */
  readonly replayed: boolean;
  /** True for the bot's own messages. */
  readonly own?: boolean;
  /** True when the message answered a question or conversation: `hears` and `command` skip it. */
  readonly answered?: boolean;
  /** Captures of the `hears` pattern that matched, if any. */
  match?: RegExpMatchArray | undefined;
  /** The command that matched and its parsed arguments, if any. */
  command?: { name: string; args: ParsedArgs } | undefined;
  reply(text: string): Promise<unknown>;
}

export type NextFunction = () => Promise<void>;
export type Middleware<C> = (ctx: C, next: NextFunction) => unknown;
export type Filter<C> = (ctx: C) => boolean;
/** An `on` handler: it runs, then the event goes on down the chain whatever it returns. */
export type Listener<C> = (ctx: C) => unknown;
/** `event` is every kind. */
export type EventName = "event" | "message" | "join" | "leave";

/** The context a `hears` handler gets: `match` is set. */
export type HearsContext<C> = C & { match: RegExpMatchArray };
/** The context a command handler gets: `command.args` typed from the declaration. */
export type CommandContext<C, A = ParsedArgs> = C & {
  command: { name: string; args: A & ParsedArgs };
};

/** Settings shared by a composer and every sub-chain made from it. */
export interface ChainSettings {
  /** Prefix that starts a command, `!` by default. */
  prefix: string;
  commands: CommandRegistry;
  cooldowns: Cooldowns;
  /** Whether `from` may run admin-only commands. */
  isAdmin(id: string): boolean;
  /** Whether registrations that did not say get the bot's own messages (default false). */
  ownMessages?: boolean;
  /** The plugin whose chain this is: named when a command it registers is taken. */
  plugin?: string;
  /**
   * Where a handler's throw goes, with what it was registered as (`message`,
   * `hears /x/`, `command !roll`). Without it a throw rejects `run`.
   */
  report?(error: unknown, registration: string, ctx: ChainContext): void;
}

export interface RespondOptions {
  /** Also run for replayed events (off by default: no answering an old `!ping`). */
  replayed?: boolean;
  /** Also run for the bot's own messages (default: the bot's `ownMessages`). */
  own?: boolean;
  /** Answer at most once per this cooldown (silently skip matches meanwhile; `notify` is not read). */
  cooldown?: CooldownSpec;
}

export interface ListenOptions {
  /** Also receive events replayed from history (default false). */
  replayed?: boolean;
  /** Also receive the bot's own messages (default: the bot's `ownMessages`). */
  own?: boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();
const done: NextFunction = () => RESOLVED;

/** True for a promise that already fulfilled: nothing to wait for. */
function fulfilled(value: unknown): boolean {
  return value instanceof Promise && Bun.peek.status(value) === "fulfilled";
}

function ignore(): void {}

/**
 * Runs `handlers` from index `i`, each given a `next` that runs the rest.
 * A flat array rather than nested closures keeps a long chain cheap, and a
 * handler that returns synchronously (or a promise already fulfilled)
 * costs no extra await: the chain's promise is then already fulfilled, so
 * its caller need not wait a turn either.
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
    if (!(result instanceof Promise) || fulfilled(result)) return RESOLVED;
    return result.then(ignore);
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

let hearsIds = 0;

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

  /** Drops every registration (a plugin being stopped). */
  clear(): void {
    this.handlers.length = 0;
    this.lastGroup = undefined;
  }

  private add(handler: Middleware<C>): void {
    this.handlers.push(handler);
    this.lastGroup = undefined;
  }

  /** A middleware whose throw is reported (when the settings say where) instead of rejecting. */
  private guard<X extends C>(label: string, middleware: Middleware<X>[]): Middleware<C>[] {
    const report = this.settings.report;
    if (report === undefined) return middleware as Middleware<C>[];
    return middleware.map((m) => (ctx: C, next: NextFunction) => {
      let result: unknown;
      try {
        result = m(ctx as X, next);
      } catch (error) {
        report(error, label, ctx);
        return undefined;
      }
      if (!(result instanceof Promise) || fulfilled(result)) return undefined;
      return result.then(ignore, (error) => report(error, label, ctx));
    });
  }

  /**
   * Adds middleware that sees every event (replayed and own ones included:
   * check `ctx.replayed`); returns a sub-chain that runs when it calls `next`.
   */
  use(...middleware: Middleware<C>[]): Composer<C> {
    const child = new Composer<C>(this.settings, ...this.guard("middleware", middleware));
    this.add(child.middleware());
    return child;
  }

  /** Runs the sub-chain only for events passing `predicate`; others go past it. */
  filter(predicate: Filter<C>, ...middleware: Middleware<C>[]): Composer<C> {
    const child = new Composer<C>(this.settings, ...this.guard("filter", middleware));
    const run = child.middleware();
    this.add((ctx, next) => (predicate(ctx) ? run(ctx, next) : next()));
    return child;
  }

  /**
   * Listens to events of one kind (`"message"`, `"join"`, `"leave"`, or
   * `"event"` for all) or passing a predicate. The listener runs, then the
   * returned sub-chain, then the rest of the chain: a listener never stops
   * other handlers. Replayed events and the bot's own messages only when
   * `options` ask for them.
   *
   * @example bot.on("join", (ctx) => ctx.reply(`welcome ${ctx.from}`))
   * @example bot.on((ctx) => ctx.direct).command("secret", {}, (ctx) => ctx.reply("psst"))
   */
  on(
    kind: EventName | Filter<C>,
    listener?: Listener<C>,
    options: ListenOptions = {},
  ): Composer<C> {
    const replayed = options.replayed === true;
    const own = options.own ?? this.settings.ownMessages ?? false;
    const byKind: Filter<C> =
      typeof kind === "function"
        ? kind
        : kind === "event"
          ? () => true
          : (ctx) => ctx.kind === kind;
    const predicate: Filter<C> = (ctx) =>
      (!ctx.replayed || replayed) && (!ctx.own || own) && byKind(ctx);
    if (listener === undefined) return this.filter(predicate);
    const label = typeof kind === "string" ? kind : "on";
    const [guarded] = this.guard(label, [(ctx: C) => listener(ctx)]);
    return this.filter(predicate, (ctx, next) => {
      const listened = guarded!(ctx, done);
      if (listened instanceof Promise && !fulfilled(listened)) return listened.then(() => next());
      return next();
    });
  }

  /**
   * Handles messages whose body matches `pattern` (a RegExp, or a text
   * matched case-insensitively as a whole word anywhere). Captures land in
   * `ctx.match`. Live messages of others only, unless `options` say; a
   * handler that matched ends the chain for that event unless it calls `next`.
   *
   * @example bot.hears(/^hello (\w+)/i, (ctx) => ctx.reply(`hi ${ctx.match[1]}`))
   */
  hears(
    pattern: RegExp | string,
    ...args: [...Middleware<HearsContext<C>>[]] | [RespondOptions, ...Middleware<HearsContext<C>>[]]
  ): Composer<HearsContext<C>> {
    const [options, middleware] = splitOptions<HearsContext<C>>(args);
    const regex = typeof pattern === "string" ? textPattern(pattern) : pattern;
    const key = `hears\u0000${hearsIds++}`;
    const cooldown = options.cooldown;
    const child = new Composer<C>(this.settings, ...this.guard(`hears ${regex}`, middleware));
    const run = child.middleware();
    this.add((ctx, next) => {
      if (!respondsTo(ctx, options, this.settings)) return next();
      const match = ctx.body!.match(regex);
      if (match === null) return next();
      if (cooldown !== undefined && this.settings.cooldowns.take(key, cooldown, ctx) > 0) {
        return Promise.resolve();
      }
      ctx.match = match;
      return run(ctx, next);
    });
    return child as unknown as Composer<HearsContext<C>>;
  }

  /**
   * Registers a command (`!name args`), with typed arguments, help text,
   * aliases, permissions and cooldowns. Arguments are parsed before the
   * handler runs; a usage error is answered with the command's usage line.
   *
   * @example bot.command("roll", { args: "<sides:int>", help: "roll a die" }, (ctx) =>
   *   ctx.reply(String(1 + Math.floor(Math.random() * ctx.command.args.sides))))
   */
  command<const S extends CommandSpec>(
    name: string,
    spec: S,
    ...middleware: Middleware<CommandContext<C, ArgsOf<S>>>[]
  ): Composer<CommandContext<C, ArgsOf<S>>>;
  command(
    name: string,
    ...middleware: Middleware<CommandContext<C>>[]
  ): Composer<CommandContext<C>>;
  command(name: string, ...rest: unknown[]): Composer<CommandContext<C>> {
    const first = rest[0];
    const spec = (typeof first === "object" && first !== null ? first : {}) as CommandSpec;
    const middleware = (typeof first === "object" ? rest.slice(1) : rest) as Middleware<C>[];
    const command = this.settings.commands.register(name, spec, this.settings.plugin);
    const child = new Composer<C>(this.settings, ...this.guard(`command ${name}`, middleware));
    const run = child.middleware();
    const group = this.lastGroup ?? this.addCommandGroup();
    const entry = (ctx: C, line: CommandLine, next: NextFunction) => {
      if (!respondsTo(ctx, spec, this.settings)) return next();
      return this.runCommand(command, line.rest, ctx, () => run(ctx, next));
    };
    for (const n of command.names) group.table.set(n, entry);
    return child as unknown as Composer<CommandContext<C>>;
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
      await ctx.reply(`${this.settings.prefix}${command.name}: not allowed for ${ctx.from}`);
      return;
    }
    const parsed = parseCommandLine(command, rest);
    if (!parsed.ok) {
      await ctx.reply(`${parsed.error} — usage: ${command.usage(this.settings.prefix)}`);
      return;
    }
    if (cooldown !== undefined) {
      const cooldowns = this.settings.cooldowns;
      const wait = cooldowns.take(command.name, cooldown, ctx);
      if (wait > 0) {
        if (cooldown.notify !== false && cooldowns.firstRefusal(command.name, cooldown, ctx)) {
          await ctx.reply(
            `${this.settings.prefix}${command.name}: try again in ${describeWait(wait)}`,
          );
        }
        return;
      }
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

function respondsTo(ctx: ChainContext, options: RespondOptions, settings: ChainSettings): boolean {
  return (
    ctx.kind === "message" &&
    typeof ctx.body === "string" &&
    ctx.answered !== true &&
    (!ctx.replayed || options.replayed === true) &&
    (!ctx.own || (options.own ?? settings.ownMessages ?? false))
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
  return permission.allow?.some((id) => sameId(id, from)) ?? false;
}

/** `alice` (no domain) or `alice@localhost` matches the full ID `alice@localhost`, any case. */
export function sameId(configured: string, full: string): boolean {
  const c = configured.toLowerCase();
  const f = full.toLowerCase();
  return c === f || (!c.includes("@") && f.startsWith(`${c}@`));
}

function textPattern(text: string): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?:^|\\b)${escaped}(?:\\b|$)`, "i");
}
