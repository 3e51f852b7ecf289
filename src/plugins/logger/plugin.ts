/**
 * The `logger` plugin as a bot runs it, without its options schema
 * (options.ts; ../logger.ts joins the two and says what the plugin does):
 * every event of the bot's topics appended to day files, the archive's
 * index kept in the bot's checkpoints, and the web viewer when asked.
 */
import { createArchiveApp, parseDuration } from "../../archive/index.ts";
import { type BotApi, definePlugin, type Plugin } from "../../bot/index.ts";
import type { LogFs } from "./files.ts";
import { JsonlLog } from "./jsonl-log.ts";
import type { LoggerOptions } from "./options.ts";

/** A message that asks not to be archived: `[nolog]` first (spaces before it and case aside). */
export function isNolog(body: string): boolean {
  return /^\s*\[nolog\]/i.test(body);
}

/** The logger plugin writing through `fs` (node:fs unless a test fails it on purpose). */
export function createLogger(io: { fs?: LogFs } = {}): Plugin<LoggerOptions> {
  return definePlugin({
    name: "logger",
    setup(bot, options) {
      const retainMs = options.retain === undefined ? undefined : parseDuration(options.retain);
      const log = new JsonlLog(bot.resolve(options.dir), {
        fsync: options.fsync,
        log: bot.log,
        index: options.index,
        ...(retainMs === undefined ? {} : { retainMs }),
        ...(io.fs === undefined ? {} : { fs: io.fs }),
      });
      const only = options.topics;
      const wanted = (ctx: { topic: string; tracked?: boolean }) =>
        only === undefined ? ctx.tracked !== false : only.some((t) => sameTopic(t, ctx.topic));
      bot.on(
        "event",
        (ctx) => {
          if (!wanted(ctx)) return;
          if (options.nolog && ctx.kind === "message" && isNolog(ctx.body)) return;
          log.event(ctx);
        },
        { replayed: true, own: true },
      );
      bot.on("gap", (ctx) => {
        if (wanted(ctx)) log.gap(ctx);
      });
      bot.on("reset", (ctx) => {
        if (wanted(ctx)) log.reset(ctx);
      });
      bot.on("status", ({ status }) => {
        if (status.type === "connected") log.reconnected();
      });
      bot.onCheckpoint(() => log.sync());
      bot.onStop(() => log.close());
      if (options.web !== false) mountViewer(bot, log.dir, options.web);
      bot.log.info(`writing ${bot.topics.join(", ")} to ${log.dir}`);
    },
  });
}

export default createLogger();

/** The web viewer on the bot's routes: `/bots/<bot id>/` and every path under it (up to three segments deep). */
function mountViewer(bot: BotApi, dir: string, web: true | { token: string }): void {
  const base = `/bots/${bot.id}`;
  const app = createArchiveApp({ dir, base, ...(web === true ? {} : { token: web.token }) });
  const handler = (request: Request) => {
    // The path after /bots/<id>, however the request spelt the id.
    const rest = new URL(request.url).pathname.split("/").slice(3);
    return app.fetch(request, `/${rest.join("/")}`);
  };
  for (const path of ["/", "/:a", "/:a/:b", "/:a/:b/:c"]) bot.http.get(path, handler);
  bot.onStop(() => app.close());
}

/** `#general` matches `#general@localhost`. */
function sameTopic(configured: string, full: string): boolean {
  const c = configured.toLowerCase();
  return c === full || (!c.includes("@") && full.startsWith(`${c}@`));
}
