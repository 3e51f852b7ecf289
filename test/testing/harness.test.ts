/**
 * The harness itself: users and expectations, settling without sleeps,
 * transcripts, dropped links and restarts, the plugin clock, and a close
 * that leaves nothing behind.
 */
import { heapStats } from "bun:jsc";
import { describe, expect, test } from "bun:test";
import greeter from "../../bots/greeter.ts";
import { definePlugin } from "../../src/bot/api.ts";
import echo from "../../src/plugins/echo.ts";
import { createHarness, HarnessLeakError } from "../../src/testing/index.ts";

const general = ["#general"];

describe("users and expectations", () => {
  test("a user joins, says and waits for the bot's answer", async () => {
    await using h = await createHarness({
      bots: [{ id: "greeter", topics: general, plugins: [greeter, echo] }],
    });
    const alice = await h.user("alice");
    expect(alice.id).toBe("alice@test.local");
    await alice.join("#general");
    const welcome = await alice.expectMessage({ from: "greeter", body: /Welcome, alice/ });
    expect(welcome).toMatchObject({ topic: "#general@test.local", from: "greeter@test.local" });
    const sent = await alice.say("#general", "!echo hi there");
    expect(sent.topic).toBe("#general@test.local");
    const reply = await alice.expectMessage({ topic: "#general", body: "hi there" });
    expect(reply.seq).toBeGreaterThan(sent.seq);
  });

  test("events that arrived before the expectation count, each once", async () => {
    await using h = await createHarness({
      bots: [{ id: "echo", topics: general, plugins: [echo] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "!echo one");
    await alice.say("#general", "!echo two");
    await h.settle();
    // Both answers are in already; expectations take them in any order, once.
    expect((await alice.expectMessage({ body: "two" })).body).toBe("two");
    expect((await alice.expectMessage({ from: "echo" })).body).toBe("one");
    await alice.expectNoMessage({ from: "echo" });
  });

  test("a user's own events match only when `from` names the user", async () => {
    await using h = await createHarness({
      bots: [{ id: "echo", topics: general, plugins: [echo] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "hello");
    await alice.expectNoMessage({ body: "hello" });
    await alice.expectMessage({ from: "alice", body: "hello" });
    await alice.expectMessage({ from: "alice", kind: "join" });
  });

  test("a failed expectation says what arrived instead", async () => {
    await using h = await createHarness({
      bots: [{ id: "echo", topics: general, plugins: [echo] }],
    });
    const alice = await h.user("alice");
    const bob = await h.user("bob");
    await alice.join("#general");
    await bob.join("#general");
    await bob.say("#general", "good morning");
    const error = await alice
      .expectMessage({ from: "echo", body: /evening/ }, { within: 50 })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      [
        'alice waited for a message { from: "echo", body: /evening/ }: it did not come within 50 ms.',
        "alice received, not matched by an earlier expectation:",
        "  #general * alice joined",
        "  #general * bob joined",
        "  #general <bob> good morning",
      ].join("\n"),
    );
    // The failure points at the test, not at a timer.
    expect((error as Error).stack).toContain("harness.test.ts");
  });

  test("expectNoMessage catches an answer that is still on its way", async () => {
    await using h = await createHarness({
      bots: [{ id: "echo", topics: general, plugins: [echo] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    // No sleep anywhere: the check settles the bot first, so it never passes by luck.
    for (let i = 0; i < 20; i++) {
      await alice.say("#general", `!echo ${i}`);
      const error = await alice.expectNoMessage({ from: "echo" }).catch((e: Error) => e);
      expect((error as Error).message).toBe(
        `alice expected no message { from: "echo" }, but received:\n  #general <echo> ${i}`,
      );
      await alice.expectMessage({ from: "echo", body: String(i) });
    }
  });

  test("direct messages both ways", async () => {
    await using h = await createHarness({ bots: [{ id: "echo", plugins: [echo] }] });
    const alice = await h.user("alice");
    await alice.dm("echo", "psst");
    const back = await alice.expectMessage({ from: "echo", topic: "alice" });
    expect(back.line).toBe("@alice <echo> psst");
  });

  test("a handler that throws is in h.errors and in the failure message", async () => {
    await using h = await createHarness({
      // This test is about the error: close() must not fail on it.
      allowErrors: true,
      bots: [
        {
          id: "broken",
          topics: general,
          plugins: [
            {
              name: "broken",
              setup(bot) {
                bot.on("message", () => {
                  throw new Error("boom");
                });
              },
            },
          ],
        },
      ],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "anything");
    const error = await alice
      .expectMessage({ from: "broken" }, { within: 20 })
      .catch((e: Error) => e);
    expect(h.errors.map((e) => e.message).join()).toContain("boom");
    expect((error as Error).message).toContain("bot errors:");
    // The failure's first frame is this test's line, not the harness's.
    const frames = (error as Error).stack?.split("\n").filter((l) => /^\s+at /.test(l));
    expect(frames?.[0]).toContain("harness.test.ts:");
  });
});

describe("transcripts", () => {
  test("per user and for the whole harness, times left out", async () => {
    await using h = await createHarness({
      bots: [{ id: "greeter", topics: ["#general", "#dev"], plugins: [greeter, echo] }],
    });
    const alice = await h.user("alice");
    const bob = await h.user("bob");
    await alice.join("#general");
    await alice.expectMessage({ from: "greeter" });
    await bob.join("#general");
    await bob.join("#dev");
    await bob.expectMessage({ from: "greeter", topic: "#dev" });
    await alice.say("#general", "!echo two\nlines");
    await bob.expectMessage({ from: "greeter", body: "two\nlines" });
    await bob.leave("#general");
    await alice.expectMessage({ kind: "leave", from: "bob" });
    expect(alice.transcript()).toBe(`#general * alice joined
#general <greeter> Welcome, alice! Say !hello to me.
#general * bob joined
#general <greeter> Welcome, bob! Say !hello to me.
#general <alice> !echo two
  lines
#general <greeter> two
  lines
#general * bob left`);
    expect(h.transcript()).toBe(`#dev * bob joined
#dev <greeter> Welcome, bob! Say !hello to me.
#general * alice joined
#general <greeter> Welcome, alice! Say !hello to me.
#general * bob joined
#general <greeter> Welcome, bob! Say !hello to me.
#general <alice> !echo two
  lines
#general <greeter> two
  lines
#general * bob left`);
  });
});

/** Records every message its bot handles, replayed ones included. */
function recorder(seen: string[]) {
  return definePlugin({
    name: "recorder",
    setup(bot) {
      bot.on(
        "message",
        (ctx) => {
          seen.push(`${ctx.body}${ctx.replayed ? " (replayed)" : ""}`);
        },
        { replayed: true },
      );
    },
  });
}

describe("links and restarts", () => {
  test("a dropped link: the bot reconnects and catches up from history", async () => {
    const seen: string[] = [];
    await using h = await createHarness({
      bots: [{ id: "rec", topics: general, plugins: [recorder(seen), echo] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "before");
    await h.settle(); // else "before" may still be on its way, and come back from history
    await h.dropConnection("rec", {
      whileDown: async () => {
        expect(h.bot("rec").status?.type).not.toBe("connected");
        await alice.say("#general", "while away");
      },
    });
    expect(h.bot("rec").status?.type).toBe("connected");
    await alice.say("#general", "!echo after");
    await alice.expectMessage({ from: "rec", body: "after" });
    expect(seen).toEqual(["before", "while away (replayed)", "!echo after"]);
  });

  test("a restart resumes from the persisted cursor", async () => {
    const seen: string[] = [];
    await using h = await createHarness({
      bots: [{ id: "rec", topics: general, plugins: [recorder(seen)] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "one");
    await h.settle();
    const before = h.bot("rec");
    const after = await h.restartBot("rec", {
      whileDown: () => alice.say("#general", "two"),
    });
    expect(after).not.toBe(before);
    expect(h.bot("rec")).toBe(after);
    expect(before.status?.type).toBe("stopped");
    await alice.say("#general", "three");
    await h.settle();
    expect(seen).toEqual(["one", "two (replayed)", "three"]);
  });

  test("h.bot: unknown IDs are named with the known ones", async () => {
    await using h = await createHarness({ bots: [{ id: "echo", plugins: [echo] }] });
    expect(h.bot("echo@test.local")).toBe(h.bot("echo"));
    expect(() => h.bot("nobody")).toThrow("no bot nobody (bots: echo@test.local)");
    expect(h.server.port).toBeGreaterThan(0);
    expect(h.server.domain).toBe("test.local");
  });
});

describe("the plugin clock", () => {
  const standup = definePlugin({
    name: "standup",
    setup(bot) {
      bot.every("5m", (tick) => tick.send("#general", `stand-up (${tick.at.toISOString()})`));
      bot.command("coffee", { cooldown: { seconds: 60, per: "topic" } }, (ctx) =>
        ctx.reply("coffee time"),
      );
    },
  });

  test("every: moving h.clock fires the schedule, no waiting", async () => {
    await using h = await createHarness({
      bots: [{ id: "standup", topics: general, plugins: [standup] }],
      clockStart: new Date("2026-01-05T09:00:00Z"),
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await h.clock.advance(4 * 60_000);
    await alice.expectNoMessage({ from: "standup" });
    await h.clock.advance(60_000);
    await alice.expectMessage({ from: "standup", body: "stand-up (2026-01-05T09:05:00.000Z)" });
    await h.clock.advance(10 * 60_000);
    await alice.expectMessage({ body: /09:10/ });
    await alice.expectMessage({ body: /09:15/ });
    await alice.expectNoMessage({ from: "standup" });
  });

  test("a command cooldown counts plugin time", async () => {
    await using h = await createHarness({
      bots: [{ id: "standup", topics: general, plugins: [standup] }],
    });
    const alice = await h.user("alice");
    await alice.join("#general");
    await alice.say("#general", "!coffee");
    await alice.expectMessage({ body: "coffee time" });
    await alice.say("#general", "!coffee");
    await alice.expectMessage({ body: "!coffee: try again in 60 s" });
    await alice.say("#general", "!coffee");
    await alice.expectNoMessage({ from: "standup" });
    await h.clock.advance(60_000);
    await alice.say("#general", "!coffee");
    await alice.expectMessage({ body: "coffee time" });
  });
});

describe("close", () => {
  test("leaves no connection behind, and is idempotent", async () => {
    const h = await createHarness({ bots: [{ id: "echo", topics: general, plugins: [echo] }] });
    const alice = await h.user("alice");
    await alice.join("#general");
    const server = h.server;
    expect(server.connectionCount()).toBe(2);
    await h.close();
    await h.close();
    expect(server.connectionCount()).toBe(0);
    expect(alice.closed).toBe(true);
    await expect(h.user("bob")).rejects.toThrow("the harness is closed");
  });

  test("fails when a timer is left on the plugin clock", async () => {
    const h = await createHarness({ bots: [{ id: "echo", plugins: [echo] }] });
    h.clock.setTimeout(() => {}, 60_000);
    const error = await h.close().catch((e: Error) => e);
    expect(error).toBeInstanceOf(HarnessLeakError);
    expect((error as Error).message).toContain(
      "1 plugin timer(s) still scheduled on h.clock after the bots stopped (due in 60000 ms)",
    );
  });

  test("an expectation still waiting fails when the harness closes", async () => {
    const h = await createHarness({ bots: [{ id: "echo", plugins: [echo] }] });
    const alice = await h.user("alice");
    const waiting = alice.expectMessage({ body: "never" }, { within: 60_000 }).catch((e) => e);
    await h.close();
    expect(((await waiting) as Error).message).toContain("cannot come: the connection closed");
  });

  test("many harnesses in a row: socket objects do not pile up", async () => {
    const sockets = () => {
      Bun.gc(true);
      const counts = heapStats().objectTypeCounts;
      return (counts.TCPSocket ?? 0) + (counts.Listener ?? 0);
    };
    const cycle = async () => {
      const h = await createHarness({ bots: [{ id: "echo", topics: general, plugins: [echo] }] });
      const alice = await h.user("alice");
      await alice.join("#general");
      await alice.say("#general", "!echo x");
      await alice.expectMessage({ from: "echo" });
      await h.close();
    };
    await cycle();
    const baseline = sockets();
    for (let i = 0; i < 10; i++) await cycle();
    // One harness's worth (4 socket ends and a listener) may still await
    // collection; a leak of even one socket a cycle would add 10.
    expect(sockets()).toBeLessThanOrEqual(baseline + 5);
  });
});

describe("setup errors", () => {
  test("bad plugin options name the bot and plugin", async () => {
    await expect(
      createHarness({ bots: [{ id: "echo", plugins: [[echo, { command: 3 }]] }] }),
    ).rejects.toThrow("bots[0].plugins[0].with.command: expected a command word");
  });

  test("exactly one of config and bots", async () => {
    await expect(createHarness({})).rejects.toThrow("exactly one of `config` and `bots`");
  });
});
