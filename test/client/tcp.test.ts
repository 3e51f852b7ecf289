/**
 * The runtime over real sockets against the project's server on 127.0.0.1,
 * port 0. Few and focused: the logic itself is covered over the in-memory
 * transport.
 */

import { heapStats } from "bun:jsc";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import { type RunningServer, silentLogger, startServer } from "../../src/server/index.ts";
import { nextStatus, record } from "../bot/helpers.ts";

const GENERAL = "#general@localhost";
let server: RunningServer;
const bots: Bot[] = [];

beforeAll(async () => {
  server = await startServer({ port: 0, log: silentLogger, rate: 1000, burst: 1000 });
});

afterAll(async () => {
  await Promise.all(bots.map((b) => b.stop()));
  await server.stop();
});

function makeBot(id: string, topics: string[], cursors = new MemoryCursorStore()) {
  const bot = new Bot({
    id,
    topics,
    dialer: tcpDialer(server.host, server.port),
    address: `${server.host}:${server.port}`,
    cursors,
    reconnect: { initial: 5, max: 50 },
    keepalive: { interval: 5000, timeout: 2000 },
  });
  bots.push(bot);
  return bot;
}

describe("over TCP against the real server", () => {
  test("connect, identify, subscribe, receive and send", async () => {
    const listener = makeBot("listener@localhost", ["#general"]);
    const rec = record(listener);
    const connected = nextStatus(listener, "connected");
    listener.start();
    const status = await connected;
    expect(status).toMatchObject({ id: "listener@localhost", server: "localhost" });
    await rec.until(() => rec.seen.some((s) => s.type === "event" && s.kind === "join"));

    const talker = makeBot("talker@localhost", ["#general"]);
    talker.start();
    const sent = await talker.send("#general", "hello over tcp");
    expect(sent[0]?.topic).toBe(GENERAL);
    await rec.until(() => rec.seen.some((s) => s.type === "event" && s.body === "hello over tcp"));
  });

  test("a connection cut by the server: reconnect and fill the gap from history", async () => {
    const cursors = new MemoryCursorStore();
    const bot = makeBot("gapbot@localhost", ["#gaps"], cursors);
    const rec = record(bot);
    const talker = makeBot("gaptalker@localhost", ["#gaps"]);
    talker.start();
    await talker.send("#gaps", "before");
    bot.start();
    await rec.until(() => rec.seqs("#gaps@localhost").length > 0);
    const first = rec.seqs("#gaps@localhost")[0]!;

    // Drop the bot's link while the talker keeps publishing.
    const disconnected = nextStatus(bot, "disconnected");
    const reconnected = nextStatus(bot, "reconnecting");
    bot.connection.dropConnection("test cut");
    await disconnected;
    await reconnected;
    const sent: number[] = [];
    for (let i = 0; i < 20; i++) sent.push((await talker.send("#gaps", `while away ${i}`))[0]!.seq);
    const last = sent[sent.length - 1]!;
    await rec.until(() => rec.seqs("#gaps@localhost").includes(last));
    const seqs = rec.seqs("#gaps@localhost");
    expect(seqs).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
    await bot.idle();
    expect(cursors.get("#gaps@localhost")).toBe(last);
  });

  test("many connect/close cycles leave no sockets behind", async () => {
    const before = heapStats().objectTypeCounts.TCPSocket ?? 0;
    for (let i = 0; i < 20; i++) {
      const bot = new Bot({
        id: `cycle${i}@localhost`,
        topics: [],
        dialer: tcpDialer(server.host, server.port),
        cursors: new MemoryCursorStore(),
        keepalive: { interval: 5000, timeout: 2000 },
      });
      const connected = nextStatus(bot, "connected");
      bot.start();
      await connected;
      await bot.stop();
    }
    Bun.gc(true);
    const after = heapStats().objectTypeCounts.TCPSocket ?? 0;
    expect(after - before).toBeLessThan(5);
  });
});
