/**
 * What `/readyz` says of a bot in each state: the connection's status and
 * each topic's cursor against the seq it subscribed at.
 */
import { expect, test } from "bun:test";
import type { Bot } from "../../src/bot/bot.ts";
import type { Status } from "../../src/client/status.ts";
import { botReadiness, readiness } from "../../src/http/readiness.ts";

type Cursor = { seq: number; catchingUp: boolean; subscribed: number | undefined };

/** A bot as readiness reads it: a status and its cursors. */
function bot(status: Status | undefined, cursors: Record<string, Cursor> = {}): Bot {
  return {
    id: "b@x",
    status,
    connection: { cursors: () => new Map(Object.entries(cursors)) },
  } as unknown as Bot;
}

const connected: Status = { type: "connected", address: "s:1", id: "b@x", server: "x" };

test("connected with every topic at or past its subscribed seq: ready", () => {
  const b = bot(connected, {
    "#a@x": { seq: 10, catchingUp: false, subscribed: 10 },
    "#b@x": { seq: 12, catchingUp: false, subscribed: 11 },
  });
  expect(botReadiness(b)).toEqual({ bot: "b@x", ready: true, state: "ready" });
});

test("reading history: catching up N events, per topic", () => {
  const b = bot(connected, {
    "#a@x": { seq: 4, catchingUp: true, subscribed: 10 },
    "#b@x": { seq: 11, catchingUp: false, subscribed: 11 },
    "#c@x": { seq: 0, catchingUp: true, subscribed: 1 },
  });
  expect(botReadiness(b)).toEqual({
    bot: "b@x",
    ready: false,
    state: "catching_up",
    reason: "catching up 7 events (#a@x: 6; #c@x: 1)",
    behind: 7,
  });
});

test("filling a gap in the live stream is catching up too", () => {
  const b = bot(connected, { "#a@x": { seq: 20, catchingUp: true, subscribed: 10 } });
  expect(botReadiness(b)).toMatchObject({
    state: "catching_up",
    reason: "catching up (#a@x: filling a gap)",
  });
});

test("a topic without its subscribed reply: subscribing", () => {
  const b = bot(connected, {
    "#a@x": { seq: 3, catchingUp: true, subscribed: undefined },
    "#b@x": { seq: 3, catchingUp: false, subscribed: 3 },
  });
  expect(botReadiness(b)).toEqual({
    bot: "b@x",
    ready: false,
    state: "subscribing",
    reason: "not subscribed to #a@x",
  });
});

test("not connected: connecting, with the status in words; gave up; stopped", () => {
  expect(
    botReadiness(
      bot({ type: "reconnecting", address: "s:1", attempt: 3, delay: 500, reason: "refused" }),
    ),
  ).toEqual({
    bot: "b@x",
    ready: false,
    state: "connecting",
    reason: "reconnecting to s:1 in 500 ms (attempt 3): refused",
  });
  expect(botReadiness(bot(undefined))).toMatchObject({
    state: "connecting",
    reason: "not started",
  });
  expect(
    botReadiness(bot({ type: "gave_up", address: "s:1", attempts: 5, reason: "refused" })),
  ).toEqual({
    bot: "b@x",
    ready: false,
    state: "gave_up",
    reason: "gave up on s:1 after 5 attempts: refused",
  });
  expect(botReadiness(bot({ type: "stopped" }))).toMatchObject({ state: "stopped" });
});

test("the process is ready when every bot is", () => {
  const ready = bot(connected, {});
  const down = bot({ type: "connecting", address: "s:1", attempt: 1 });
  expect(readiness([ready, ready]).ready).toBe(true);
  expect(readiness([ready, down]).ready).toBe(false);
  expect(readiness([]).ready).toBe(true);
});
