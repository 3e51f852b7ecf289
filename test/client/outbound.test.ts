import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Bot } from "../../src/bot/bot.ts";
import { ManualClock } from "../../src/client/clock.ts";
import { MemoryCursorStore } from "../../src/client/cursor-store.ts";
import { TokenBucket } from "../../src/client/outbound.ts";
import { splitText } from "../../src/client/split-text.ts";
import { nextStatus } from "../bot/helpers.ts";
import { FakeServer } from "./fake-server.ts";

const bytes = (s: string) => new TextEncoder().encode(s).length;
const bots: Bot[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

describe("splitText", () => {
  test("short text is one part", () => {
    expect(splitText("hello", 10)).toEqual(["hello"]);
  });

  test("never cuts a character, whatever its width", () => {
    const text = "aé€😀".repeat(50);
    for (const max of [4, 5, 6, 7, 13, 100]) {
      const parts = splitText(text, max);
      expect(parts.join("")).toBe(text);
      for (const part of parts) {
        expect(bytes(part)).toBeLessThanOrEqual(max);
        expect(part.length).toBeGreaterThan(0);
        // A lone surrogate would not survive the round trip.
        expect(new TextDecoder().decode(new TextEncoder().encode(part))).toBe(part);
      }
    }
  });

  test("prefers to end a part after a space or newline", () => {
    const parts = splitText("the quick brown fox jumps over", 12);
    expect(parts).toEqual(["the quick ", "brown fox ", "jumps over"]);
  });

  test("property: parts fit and join back to the text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 300 }),
        fc.integer({ min: 4, max: 64 }),
        (text, max) => {
          const parts = splitText(text, max);
          expect(parts.join("")).toBe(text);
          for (const part of parts) expect(bytes(part)).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});

describe("rate limiting", () => {
  test("the token bucket refills at rate up to burst", () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(clock, 2, 3);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(500);
    clock.advance(500);
    expect(bucket.take()).toBe(0);
    clock.advance(10_000);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0, 500]);
  });

  test("sends respect the welcome limits instead of earning rate_limited", async () => {
    const server = new FakeServer();
    server.limits = { ...server.limits, rate: 2, burst: 2 };
    const clock = new ManualClock();
    const bot = new Bot({
      id: "bot@localhost",
      topics: [],
      dialer: server.dialer,
      cursors: new MemoryCursorStore(),
      clock,
    });
    bots.push(bot);
    const connected = nextStatus(bot, "connected");
    bot.start();
    await connected;
    const sends = [1, 2, 3].map((i) => bot.send("#general", `m${i}`));
    await Promise.all(sends.slice(0, 2));
    await clock.waitForTimer();
    expect(clock.pending()).toEqual([500]);
    expect(server.connections[0]!.requests.filter((r) => r.type === "message").length).toBe(2);
    clock.advance(500);
    const [third] = await sends[2]!;
    expect(third?.seq).toBe(3);
  });

  test("a rate_limited reply is retried", async () => {
    const server = new FakeServer();
    server.rateLimitNext = 2;
    const bot = new Bot({
      id: "bot@localhost",
      topics: [],
      dialer: server.dialer,
      cursors: new MemoryCursorStore(),
    });
    bots.push(bot);
    bot.start();
    const sent = await bot.send("#general", "hello");
    expect(sent.map((s) => s.seq)).toEqual([1]);
    expect(server.connections[0]!.requests.filter((r) => r.type === "message").length).toBe(3);
  });

  test("a long text goes out as several messages in order", async () => {
    const server = new FakeServer();
    const bot = new Bot({
      id: "bot@localhost",
      topics: [],
      dialer: server.dialer,
      cursors: new MemoryCursorStore(),
    });
    bots.push(bot);
    bot.start();
    const text = "€".repeat(12_000);
    const sent = await bot.send("#general", text);
    expect(sent.length).toBe(3);
    const bodies = server.events.get("#general@localhost")!.map((e) => e.body);
    expect(bodies.join("")).toBe(text);
    for (const body of bodies) expect(bytes(body!)).toBeLessThanOrEqual(15_000);
  });
});
