import { afterEach, describe, expect, test } from "bun:test";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import echo, { echoText } from "../../src/plugins/echo.ts";
import { FakeServer } from "../client/fake-server.ts";

const bots: Bot[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

describe("echo", () => {
  test("echoText takes the text after the command", () => {
    expect(echoText("!echo hello world", "!echo")).toBe("hello world");
    expect(echoText("!echo", "!echo")).toBeUndefined();
    expect(echoText("!echoes x", "!echo")).toBeUndefined();
    expect(echoText("say !echo x", "!echo")).toBeUndefined();
  });

  test("answers !echo in a channel and echoes direct messages, never replayed ones", async () => {
    const server = new FakeServer();
    server.publish("#general", "alice", "!echo old");
    const bot = new Bot({
      id: "echo@localhost",
      topics: ["#general"],
      dialer: server.dialer,
      cursors: new MemoryCursorStore(),
      backlog: 5,
    });
    bots.push(bot);
    echo.setup(bot.forPlugin("echo"), { command: "!echo", direct: true });
    const caughtUp = server.nextRequest((r) => r.type === "history");
    bot.start();
    await caughtUp;
    let reply = server.nextRequest((r) => r.type === "message");
    server.publish("#general", "alice", "!echo hi there");
    expect(await reply).toMatchObject({ to: "#general@localhost", body: "hi there" });
    reply = server.nextRequest((r) => r.type === "message");
    server.publish("echo@localhost", "bob", "direct words");
    expect(await reply).toMatchObject({ to: "bob@localhost", body: "direct words" });
    await bot.idle();
    const bodies = server.events.get("#general@localhost")!.map((e) => e.body);
    expect(bodies).not.toContain("old");
  });
});
