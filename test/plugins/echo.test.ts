import { afterEach, describe, expect, test } from "bun:test";
import { definePlugin } from "../../src/bot/api.ts";
import { Bot } from "../../src/bot/bot.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import echo, { echoText } from "../../src/plugins/echo.ts";
import { createHarness } from "../../src/testing/index.ts";
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

describe("echo with direct: true, through the harness", () => {
  test("a command sent by DM is answered once: by its command, not echoed too", async () => {
    const dice = definePlugin({
      name: "dice",
      setup(bot) {
        bot.command("roll", {}, (ctx) => ctx.reply("4"));
      },
    });
    await using h = await createHarness({
      bots: [{ id: "echo", plugins: [["echo", { direct: true }], dice] }],
    });
    const alice = await h.user("alice");
    await alice.dm("echo", "!roll");
    await alice.expectMessage({ from: "echo", body: "4" });
    await alice.expectNoMessage({ from: "echo" });
    await alice.dm("echo", "!echo hi there");
    await alice.expectMessage({ from: "echo", body: "hi there" });
    await alice.expectNoMessage({ from: "echo" });
    await alice.dm("echo", "!help");
    await alice.expectMessage({ from: "echo", body: /^Commands:/ });
    await alice.expectNoMessage({ from: "echo" });
    // Not a command: echoed, once.
    await alice.dm("echo", "!nosuch thing");
    await alice.expectMessage({ from: "echo", body: "!nosuch thing" });
    await alice.dm("echo", "plain words");
    await alice.expectMessage({ from: "echo", body: "plain words" });
    await alice.expectNoMessage({ from: "echo" });
  });
});
