/**
 * Checks across keys that a schema of one value cannot make: two bots with
 * one ID or one state folder, a bot ID on another domain than the embedded
 * server's, more topics than a server lets a connection subscribe to. They
 * read the file's data before the schema's defaults, so they run (and
 * report) even when other keys are wrong.
 */
import { resolve } from "node:path";
import { isValidDomain, parseName } from "../protocol/index.ts";
import type { ConfigProblem, ConfigWarning } from "./problems.ts";
import type { ConfigSource } from "./source.ts";

interface RawBot {
  index: number;
  id: string | undefined;
  state: string | undefined;
  topics: unknown[];
}

/**
 * `limits.subscriptions` of a server with default options (the embedded
 * one, and likely the one `server: { host, port }` names). The server's own
 * default is in src/server/options.ts, a layer config does not import;
 * test/config/checks.test.ts keeps the two equal.
 */
export const DEFAULT_SUBSCRIPTIONS = 100;

/**
 * The ID as the server will see it: completed with `domain`, or (on a
 * remote server, whose domain is known only once connected) left short.
 */
function idKey(id: string, domain: string | undefined): string | undefined {
  try {
    const name = parseName(id, domain ?? "domain.invalid");
    if (name.kind !== "id") return undefined;
    return domain === undefined && !id.includes("@") ? name.local : name.full;
  } catch {
    return undefined;
  }
}

function rawBots(data: unknown): RawBot[] {
  const bots = (data as { bots?: unknown }).bots;
  if (!Array.isArray(bots)) return [];
  return bots.map((bot, index) => {
    const b = (typeof bot === "object" && bot !== null ? bot : {}) as Record<string, unknown>;
    return {
      index,
      id: typeof b.id === "string" ? b.id : undefined,
      state: typeof b.state === "string" && b.state !== "" ? b.state : undefined,
      topics: Array.isArray(b.topics) ? b.topics : [],
    };
  });
}

/** The embedded server's domain, and whether the file says it; undefined for a remote server. */
function embeddedDomain(data: unknown): { domain: string; written: boolean } | undefined {
  const server = (data as { server?: unknown }).server;
  const embedded = (server as { embedded?: unknown } | null | undefined)?.embedded;
  if (typeof embedded !== "object" || embedded === null) return undefined;
  const domain = (embedded as { domain?: unknown }).domain;
  if (domain === undefined) return { domain: "localhost", written: false };
  // A domain that is not one is reported by the schema; IDs are not measured against it.
  if (typeof domain !== "string" || !isValidDomain(domain.toLowerCase())) return undefined;
  return { domain: domain.toLowerCase(), written: true };
}

/**
 * @param dir the folder relative `state` paths resolve against (the
 *   configuration file's; the current folder for text without a file)
 */
export function crossChecks(
  data: unknown,
  source: ConfigSource,
  dir: string,
): { problems: ConfigProblem[]; warnings: ConfigWarning[] } {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];
  const bots = rawBots(data);
  const embedded = embeddedDomain(data);
  const at = (bot: RawBot, key: string) => ({
    file: source.name,
    line: source.lineOf(["bots", bot.index, key]),
    path: `bots[${bot.index}].${key}`,
    ...(bot.id === undefined ? {} : { bot: bot.id }),
  });
  const lineNote = (bot: RawBot, key: string) => {
    const line = source.lineOf(["bots", bot.index, key]);
    return line === undefined
      ? `bots[${bot.index}].${key}`
      : `bots[${bot.index}].${key}, line ${line}`;
  };

  // IDs: the same once completed with the server's domain.
  const byId = new Map<string, RawBot>();
  for (const bot of bots) {
    const key = bot.id === undefined ? undefined : idKey(bot.id, embedded?.domain);
    if (bot.id === undefined || key === undefined) continue;
    const first = byId.get(key);
    if (first !== undefined) {
      problems.push({
        code: "duplicate_id",
        ...at(bot, "id"),
        message: `duplicate bot id ${key} (also ${lineNote(first, "id")}); each bot needs its own`,
      });
    } else byId.set(key, bot);
    if (embedded !== undefined && !key.endsWith(`@${embedded.domain}`)) {
      const local = key.slice(0, key.indexOf("@"));
      const domainLine = source.lineOf(["server", "embedded", "domain"]);
      const where = embedded.written
        ? `server.embedded.domain${domainLine === undefined ? "" : `, line ${domainLine}`}`
        : "the default of server.embedded.domain";
      problems.push({
        code: "wrong_domain",
        ...at(bot, "id"),
        message: `${bot.id} is not on the embedded server's domain ${embedded.domain} (${where}), so the server would refuse it; write ${local}@${embedded.domain} or just ${local}`,
      });
    }
  }
  // On a remote server `hello` and `hello@example.com` are one bot if its domain is example.com.
  for (const [key, bot] of byId) {
    if (!key.includes("@")) continue;
    const short = byId.get(key.slice(0, key.indexOf("@")));
    if (short === undefined) continue;
    const [later, earlier] = short.index > bot.index ? [short, bot] : [bot, short];
    warnings.push({
      code: "maybe_duplicate_id",
      ...at(later, "id"),
      message: `${later.id} and ${earlier.id} (${lineNote(earlier, "id")}) are one bot if the server's domain is ${key.slice(key.indexOf("@") + 1)}`,
    });
  }
  problems.push(...sharedState(bots, dir, at, lineNote));

  for (const bot of bots) {
    const channels = new Set(
      bot.topics
        .filter((t): t is string => typeof t === "string" && t.startsWith("#"))
        .map((t) => t.toLowerCase()),
    );
    const limit = DEFAULT_SUBSCRIPTIONS;
    if (channels.size <= limit) continue;
    const server = embedded === undefined ? "a server with default limits" : "the embedded server";
    warnings.push({
      code: "too_many_topics",
      ...at(bot, "topics"),
      message: `${channels.size} channels, but ${server} lets a connection subscribe to ${limit} (limits.subscriptions); the other ${channels.size - limit} would be refused with too_many_subscriptions`,
    });
  }
  return { problems, warnings };
}

function sharedState(
  bots: RawBot[],
  dir: string,
  at: (bot: RawBot, key: string) => Omit<ConfigProblem, "code" | "message">,
  lineNote: (bot: RawBot, key: string) => string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byFolder = new Map<string, RawBot>();
  for (const bot of bots) {
    if (bot.state === undefined) continue;
    const folder = resolve(dir, bot.state);
    const first = byFolder.get(folder);
    if (first === undefined) {
      byFolder.set(folder, bot);
      continue;
    }
    const owner = first.id === undefined ? `bots[${first.index}]` : first.id;
    problems.push({
      code: "shared_state",
      ...at(bot, "state"),
      message: `state folder ${bot.state} is also the state of ${owner} (${lineNote(first, "state")}); each bot needs its own folder, or their cursors overwrite each other`,
    });
  }
  return problems;
}
