/**
 * Servers that misbehave, on real sockets: the bot must not hang, must not
 * buffer without bound, must not redial in a tight loop, and must hand its
 * plugins each event once, in order, and nothing of topics it never
 * subscribed to.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Bot, type BotOptions } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import type { Status } from "../../src/client/status.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import { DateTime, type EventFrame, type Outgoing } from "../../src/protocol/index.ts";
import { record } from "../bot/helpers.ts";
import {
  DOMAIN,
  event,
  type HostileConnection,
  HostileServer,
  type Script,
  welcome,
} from "./hostile-server.ts";

const GENERAL = `#general@${DOMAIN}`;
const BOT = `bot@${DOMAIN}`;
const WALL = `!wall@${DOMAIN}`;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(script: Script): Promise<HostileServer> {
  const server = await new HostileServer(script).start();
  cleanup.push(() => server.stop());
  return server;
}

/** A pushed event as the server writes it. */
function push(c: HostileConnection, frame: EventFrame): void {
  c.send(frame as unknown as Outgoing);
}

function makeBot(server: HostileServer, options: Partial<BotOptions> = {}) {
  const statuses: Status[] = [];
  const errors: Error[] = [];
  const warnings: string[] = [];
  let warned: (() => void)[] = [];
  const bot = new Bot({
    id: "bot",
    topics: ["#general"],
    dialer: tcpDialer("127.0.0.1", server.port),
    cursors: new MemoryCursorStore(),
    reconnect: { initial: 10, max: 1000, jitter: 0 },
    log: {
      info() {},
      warn: (m) => {
        warnings.push(m);
        for (const w of warned.splice(0)) w();
      },
      error() {},
    },
    ...options,
  });
  bot.on("status", ({ status }) => {
    statuses.push(status);
  });
  bot.catch((error) => errors.push(error));
  cleanup.push(() => bot.stop());
  /** Resolves when a warning matching `predicate` was logged. */
  const warning = async (predicate: (w: string) => boolean) => {
    while (!warnings.some(predicate)) await new Promise<void>((r) => warned.push(r));
    warned = [];
  };
  return { bot, statuses, errors, warnings, warning };
}

function until(predicate: () => boolean, server: HostileServer): Promise<void> {
  return server.until(predicate);
}

/** Resolves when the bot reports a status that `match` accepts. */
function statusWhere(bot: Bot, match: (s: Status) => boolean): Promise<Status> {
  return new Promise((resolve) => {
    bot.on("status", ({ status }) => {
      if (match(status)) resolve(status);
    });
  });
}

/** Answers identify and subscribe plainly (at `seq`, in `epoch`); `more` scripts the rest. */
function polite(more: Script = () => {}, epoch = "e1", seq = 0): Script {
  return (c, r) => {
    if (r.type === "identify") return c.reply(r, welcome(r.id));
    if (r.type === "subscribe") {
      return c.reply(r, { type: "subscribed", topic: `${r.topic}@${DOMAIN}`, seq, epoch });
    }
    if (r.type === "ping") return c.reply(r, { type: "pong", at: r.at });
    more(c, r);
  };
}

describe("a server that does not answer", () => {
  test("identify never answered, pings sent: the link is dropped at the request's deadline", async () => {
    const server = await serve((c) => c.send({ type: "ping", at: DateTime.now() }));
    const { bot } = makeBot(server, { requestTimeout: 200 });
    const dropped = statusWhere(bot, (s) => s.type === "reconnecting");
    bot.start();
    const status = await dropped;
    expect(status).toMatchObject({
      type: "reconnecting",
      reason: "no reply to identify within 200 ms: the server is stuck",
    });
  });

  test("history never answered while live events pour in: the buffer is bounded, the link dropped", async () => {
    const server = await serve(
      polite(
        (c, r) => {
          // No backlog ever; the channel keeps talking.
          if (r.type === "history")
            for (let seq = 11; seq <= 100; seq++) push(c, event(GENERAL, seq, `m${seq}`));
        },
        "e1",
        10,
      ),
    );
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 5, "e1");
    const { bot, errors } = makeBot(server, { cursors, maxBuffered: 50, requestTimeout: 10_000 });
    const dropped = statusWhere(bot, (s) => s.type === "disconnected");
    bot.start();
    expect(await dropped).toMatchObject({
      reason: `${GENERAL}: more than 50 live events of ${GENERAL} arrived while catching up; reconnecting to read them from history`,
    });
    expect(errors.map((e) => e.message)).toContain(
      `${BOT}: ${GENERAL}: more than 50 live events of ${GENERAL} arrived while catching up; reconnecting to read them from history`,
    );
  });

  test("a reply with a ref that matches no request breaks the link", async () => {
    const server = await serve((c, r) => {
      if (r.type === "identify") return c.reply(r, welcome(r.id));
      if (r.type === "subscribe") {
        const ref = (r.ref as number) + 1000;
        return c.send({ type: "subscribed", topic: GENERAL, seq: 0, epoch: "e1", ref });
      }
    });
    const { bot } = makeBot(server);
    const dropped = statusWhere(bot, (s) => s.type === "disconnected");
    bot.start();
    expect(await dropped).toMatchObject({
      reason: expect.stringMatching(
        /^the server sent a subscribed reply with ref \d+ that answers no request/,
      ),
    });
  });
});

describe("a server that drops the link at once", () => {
  test("welcome then close: the backoff keeps growing instead of starting over", async () => {
    const server = await serve((c, r) => {
      if (r.type === "identify") {
        c.reply(r, welcome(r.id));
        c.close();
      }
    });
    const { bot, statuses } = makeBot(server, {
      reconnect: { initial: 10, max: 10_000, jitter: 0, healthyAfter: 5_000 },
    });
    bot.start();
    await until(() => server.connections.length >= 5, server);
    const delays = statuses.flatMap((s) => (s.type === "reconnecting" ? [s.delay] : []));
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 80]);
  });
});

describe("a server that repeats, reorders and over-shares", () => {
  test("each event once, in order; nothing of topics the bot never subscribed to", async () => {
    const kept: EventFrame[] = [1, 2, 3, 4, 5].map((seq) => event(GENERAL, seq, `g${seq}`));
    const server = await serve(
      polite((c, r) => {
        if (r.type === "history" && "after" in r) {
          const events = kept.filter((e) => e.seq > r.after);
          c.reply(r, {
            type: "backlog",
            topic: GENERAL,
            available: true,
            epoch: "e1",
            events,
            more: false,
          });
        }
      }),
    );
    const { bot } = makeBot(server, { ownMessages: true });
    const rec = record(bot);
    bot.start();
    await until(() => server.requests("subscribe").length === 1, server);
    await bot.idle();
    const c = server.connections[0]!;
    const g = (seq: number) => kept[seq - 1]!;
    const dm = (seq: number) => event(BOT, seq, `d${seq}`);
    const wall = (seq: number) => event(WALL, seq, `w${seq}`, "root");
    // Repeats and a reorder on the channel (3 before 2 fills 2 from history),
    // on the DM topic and the wall; a channel the bot never joined.
    for (const frame of [g(1), g(1), g(3), g(2), g(2), g(4), g(5), g(4)]) push(c, frame);
    for (const frame of [dm(1), dm(1), dm(2), dm(3), dm(2), dm(4)]) push(c, frame);
    for (const frame of [wall(1), wall(1), wall(2)]) push(c, frame);
    push(c, event(`#elsewhere@${DOMAIN}`, 1, "not for the bot"));
    await rec.until(() => rec.seen.length >= 11);
    await bot.idle();
    expect(rec.seqs(GENERAL)).toEqual([1, 2, 3, 4, 5]);
    expect(rec.seqs(BOT)).toEqual([1, 2, 3, 4]);
    expect(rec.seqs(WALL)).toEqual([1, 2]);
    expect(rec.seen.filter((s) => s.topic.startsWith("#elsewhere"))).toEqual([]);
  });
});

describe("a server whose numbering starts again (epochs)", () => {
  test("a new epoch: reported, then every event of it from seq 1, and the cursor saved in it", async () => {
    const fresh = [1, 2].map((seq) => event(GENERAL, seq, `new ${seq}`));
    const server = await serve(
      polite(
        (c, r) => {
          if (r.type === "history" && "after" in r) {
            const events = fresh.filter((e) => e.seq > r.after);
            c.reply(r, {
              type: "backlog",
              topic: GENERAL,
              available: true,
              epoch: "e2",
              events,
              more: false,
            });
          }
        },
        "e2",
        2,
      ),
    );
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 100, "e1");
    const { bot, warnings } = makeBot(server, { cursors });
    const resets: unknown[] = [];
    bot.on("reset", (ctx) => {
      resets.push({
        topic: ctx.topic,
        previousEpoch: ctx.previousEpoch,
        epoch: ctx.epoch,
        lastSeq: ctx.lastSeq,
      });
    });
    const rec = record(bot);
    const reset = statusWhere(bot, (s) => s.type === "reset");
    bot.start();
    await reset;
    await rec.until(() => rec.seqs(GENERAL).length === 2);
    await bot.idle();
    expect(resets).toEqual([{ topic: GENERAL, previousEpoch: "e1", epoch: "e2", lastSeq: 100 }]);
    expect(rec.seqs(GENERAL)).toEqual([1, 2]);
    expect(rec.contexts.map((ctx) => ctx.epoch)).toEqual(["e2", "e2"]);
    expect(cursors.read(GENERAL)).toEqual({ seq: 2, epoch: "e2" });
    expect(warnings).toContain(
      `${BOT}: ${GENERAL} numbering restarted (epoch e1 → e2) after seq 100: reading it again from seq 1`,
    );
  });

  test("a server without epochs whose seq is below the cursor counts as restarted", async () => {
    const server = await serve((c, r) => {
      if (r.type === "identify") return c.reply(r, welcome(r.id));
      if (r.type === "subscribe") return c.reply(r, { type: "subscribed", topic: GENERAL, seq: 1 });
      if (r.type === "history") {
        const events = "after" in r && r.after === 0 ? [event(GENERAL, 1, "again")] : [];
        return c.reply(r, {
          type: "backlog",
          topic: GENERAL,
          available: true,
          events,
          more: false,
        });
      }
    });
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 40);
    const { bot } = makeBot(server, { cursors });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).length === 1);
    await bot.idle();
    expect(rec.seen[0]).toMatchObject({ seq: 1, body: "again", replayed: true });
    expect(cursors.read(GENERAL)).toEqual({ seq: 1 });
  });

  test("a cursor saved before epochs learns its epoch without a reset", async () => {
    const server = await serve(
      polite((c, r) => {
        if (r.type === "history") {
          c.reply(r, {
            type: "backlog",
            topic: GENERAL,
            available: true,
            epoch: "e1",
            events: [],
            more: false,
          });
        }
      }),
    );
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 0);
    const { bot, statuses } = makeBot(server, { cursors });
    bot.start();
    await until(() => server.requests("subscribe").length === 1, server);
    const c = server.connections[0]!;
    push(c, event(GENERAL, 1, "hello"));
    const rec = record(bot);
    await rec.until(() => rec.seqs(GENERAL).length === 1);
    await bot.idle();
    expect(statuses.some((s) => s.type === "reset")).toBe(false);
    expect(cursors.read(GENERAL)).toEqual({ seq: 1, epoch: "e1" });
  });
});

describe("limits", () => {
  test("rate_limited subscribes and history pages wait and go again; no topic is given up", async () => {
    let refusals = 2;
    const server = await serve(
      polite(
        (c, r) => {
          if (r.type === "history") {
            if (refusals-- > 0) {
              return c.reply(r, {
                type: "error",
                code: "rate_limited",
                message: "slow down",
                fatal: false,
              });
            }
            c.reply(r, {
              type: "backlog",
              topic: GENERAL,
              available: true,
              epoch: "e1",
              events: [event(GENERAL, 3, "late")],
              more: false,
            });
          }
        },
        "e1",
        3,
      ),
    );
    // The subscription says seq 3 is there; the cursor is at 2.
    const cursors = new MemoryCursorStore();
    cursors.set(GENERAL, 2, "e1");
    const { bot, errors } = makeBot(server, { cursors });
    const rec = record(bot);
    bot.start();
    await rec.until(() => rec.seqs(GENERAL).includes(3));
    expect(server.requests("history")).toHaveLength(3);
    expect(errors).toEqual([]);
  });

  test("requests in flight stay within what the contract promises a server accepts in one burst", async () => {
    let outstanding = 0;
    let most = 0;
    const held: (() => void)[] = [];
    const topics = ["#a", "#b", "#c", "#d", "#e"];
    const server = await serve((c, r) => {
      if (r.type === "identify") return c.reply(r, welcome(r.id, 5));
      if (r.type === "subscribe" || r.type === "history") {
        outstanding++;
        most = Math.max(most, outstanding);
        held.push(() => {
          outstanding--;
          if (r.type === "subscribe") {
            c.reply(r, { type: "subscribed", topic: `${r.topic}@${DOMAIN}`, seq: 1, epoch: "e1" });
          } else {
            c.reply(r, {
              type: "backlog",
              topic: r.topic,
              available: true,
              epoch: "e1",
              events: [event(r.topic, 1, "x")],
              more: false,
            });
          }
        });
      }
    });
    // A window of 2 × 5: every subscribe and history page fits; none over.
    const cursors = new MemoryCursorStore();
    for (const t of topics) cursors.set(`${t}@${DOMAIN}`, 0, "e1");
    const { bot } = makeBot(server, { topics, cursors });
    bot.start();
    await until(() => server.requests("subscribe").length === 5, server);
    for (const answer of held.splice(0)) answer();
    await until(() => server.requests("history").length === 5, server);
    for (const answer of held.splice(0)) answer();
    expect(most).toBeLessThanOrEqual(10);
    expect(most).toBe(5);
  });
});

describe("stopping", () => {
  test("a handler that never finishes: stop returns in bounded time and says what it abandoned", async () => {
    const server = await serve(polite());
    const { bot, errors } = makeBot(server, { stopTimeout: 100 });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    bot.forPlugin("stuck").on("message", () => {
      started();
      return new Promise(() => {});
    });
    bot.start();
    await until(() => server.requests("subscribe").length === 1, server);
    await bot.idle();
    push(server.connections[0]!, event(GENERAL, 1, "hang on"));
    await running;
    await bot.stop();
    expect(errors.map((e) => e.message)).toEqual([
      `${BOT}: stopped after 100 ms without waiting further for: plugin stuck handling message at ${GENERAL} seq 1 (its cursor stays before that event, so it is handled again on the next start)`,
    ]);
    expect(bot.status?.type).toBe("stopped");
  });

  test("identify pending: stop does not wait for the server", async () => {
    const server = await serve(() => {});
    const { bot } = makeBot(server, { stopTimeout: 60_000 });
    bot.start();
    await until(() => server.requests("identify").length === 1, server);
    await bot.stop();
    expect(bot.status?.type).toBe("stopped");
  });

  test("a handler running longer than slowHandlerAfter is named in a warning, once", async () => {
    const server = await serve(polite());
    const { bot, warnings, warning } = makeBot(server, { slowHandlerAfter: 30 });
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    bot.forPlugin("slowpoke").on("message", async () => {
      started();
      await slow;
    });
    bot.start();
    await until(() => server.requests("subscribe").length === 1, server);
    await bot.idle();
    push(server.connections[0]!, event(GENERAL, 1, "take your time"));
    await running;
    await warning((w) =>
      w.startsWith(`${BOT}: plugin slowpoke has been handling message at ${GENERAL} seq 1 for `),
    );
    finish();
    await bot.idle();
    expect(warnings.filter((w) => w.includes("slowpoke"))).toHaveLength(1);
    expect(warnings[0]).toEndWith(`; ${GENERAL} waits for it`);
  });
});
