/**
 * Keeps the example frames in docs/protocol.md true: each one is encoded here
 * with src/protocol, rendered as CBOR diagnostic notation and a hex dump, and
 * must appear in the page byte for byte between its markers.
 *
 * After changing an example or the encoder, regenerate the blocks with
 *   UPDATE_DOCS=1 bun test test/docs/protocol-doc.test.ts
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DateTime,
  decodeCbor,
  decodeRequest,
  decodeServerFrame,
  encodeMessageFrame,
  isRequestType,
  MAX_FRAME,
  type Outgoing,
  SERVER_TYPES,
  Tagged,
} from "../../src/protocol/index.ts";

const DOC = join(import.meta.dir, "../../docs/protocol.md");

// Fixed instants (2023-11-14T22:13:20Z and a little later) keep the bytes stable.
const T0 = new DateTime(1700000000);
const JOIN_AT = new DateTime(1700000003.25);
const SENT_AT = new DateTime(1700000007.512);
const PING_AT = new DateTime(1700000060.125);
/** An epoch as the server makes them: its start in base 36, random bits, a counter. */
const EPOCH = "lp0lm1ts-Yk3vQ8mZ1rTb-4";

const joinEvent = {
  type: "event",
  topic: "#general@example.com",
  seq: 42,
  at: JOIN_AT,
  from: "alice@example.com",
  kind: "join",
};
const helloEvent = {
  type: "event",
  topic: "#general@example.com",
  seq: 43,
  at: SENT_AT,
  from: "alice@example.com",
  kind: "message",
  body: "hello",
};

type Side = "request" | "server";
/** The canonical example of every frame, in the order of the worked session. */
const EXAMPLES: { name: string; side: Side; message: Outgoing }[] = [
  { name: "identify", side: "request", message: { type: "identify", id: "alice", ref: 1 } },
  {
    name: "welcome",
    side: "server",
    message: {
      type: "welcome",
      id: "alice@example.com",
      server: "example.com",
      version: 1,
      limits: { frame: MAX_FRAME, topic: 256, subscriptions: 100, rate: 5, burst: 20 },
      history: true,
      time: T0,
      ref: 1,
    },
  },
  { name: "subscribe", side: "request", message: { type: "subscribe", topic: "#General", ref: 2 } },
  {
    name: "subscribed",
    side: "server",
    message: {
      type: "subscribed",
      topic: "#general@example.com",
      seq: 41,
      epoch: EPOCH,
      ref: 2,
    },
  },
  { name: "event-join", side: "server", message: joinEvent },
  {
    name: "message",
    side: "request",
    message: { type: "message", to: "#general", body: "hello", ref: 3 },
  },
  {
    name: "sent",
    side: "server",
    message: { type: "sent", topic: "#general@example.com", seq: 43, at: SENT_AT, ref: 3 },
  },
  { name: "event", side: "server", message: helloEvent },
  {
    name: "history",
    side: "request",
    message: { type: "history", topic: "#general", after: 40, limit: 2, ref: 4 },
  },
  {
    name: "backlog",
    side: "server",
    message: {
      type: "backlog",
      topic: "#general@example.com",
      available: true,
      epoch: EPOCH,
      events: [
        {
          type: "event",
          topic: "#general@example.com",
          seq: 41,
          at: new DateTime(1699999990),
          from: "bob@example.com",
          kind: "message",
          body: "hi",
        },
        joinEvent,
      ],
      more: true,
      ref: 4,
    },
  },
  { name: "topics", side: "request", message: { type: "topics", filter: "gen", ref: 5 } },
  {
    name: "topic_list",
    side: "server",
    message: {
      type: "topic_list",
      total: 1,
      offset: 0,
      topics: [{ topic: "#general@example.com", subscribers: 2 }],
      ref: 5,
    },
  },
  { name: "ping", side: "request", message: { type: "ping", at: PING_AT, ref: 6 } },
  { name: "pong-reply", side: "server", message: { type: "pong", at: PING_AT, ref: 6 } },
  { name: "server-ping", side: "server", message: { type: "ping", at: PING_AT } },
  { name: "pong", side: "request", message: { type: "pong", at: PING_AT } },
  {
    name: "message-data",
    side: "request",
    message: {
      type: "message",
      to: "bob",
      body: "{}",
      content_type: "application/json",
      data: Uint8Array.of(0xca, 0xfe),
      ref: "dm-1",
    },
  },
  {
    name: "error",
    side: "server",
    message: {
      type: "error",
      code: "not_subscribed",
      message: "subscribe to #random@example.com first",
      fatal: false,
      re: "message",
      ref: 7,
    },
  },
  {
    name: "unsubscribe",
    side: "request",
    message: { type: "unsubscribe", topic: "#general", ref: 8 },
  },
  {
    name: "unsubscribed",
    side: "server",
    message: { type: "unsubscribed", topic: "#general@example.com", ref: 8 },
  },
  {
    name: "error-fatal",
    side: "server",
    message: { type: "error", code: "shutdown", message: "server stopping", fatal: true },
  },
];

/** CBOR diagnostic notation (RFC 8949 §8) of a decoded value. */
function diagnostic(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (value instanceof DateTime) return `1(${value.seconds})`;
  if (value instanceof Tagged) return `${value.tag}(${diagnostic(value.value)})`;
  if (value instanceof Uint8Array) {
    return `h'${Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(diagnostic).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${diagnostic(v)}`).join(", ")}}`;
}

/** Classic 16-bytes-a-line hex dump with an ASCII column. */
function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = Array.from(row, (b, i) => (i === 8 ? " " : "") + b.toString(16).padStart(2, "0"));
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."));
    lines.push(
      `${at.toString(16).padStart(4, "0")}  ${hex.join(" ").padEnd(48)}  |${ascii.join("")}|`,
    );
  }
  return lines.join("\n");
}

/** The whole block for one example, markers included. */
function renderBlock(name: string, message: Outgoing): string {
  const frame = encodeMessageFrame(message);
  const payload = frame.subarray(2);
  const length = `${frame[0]!.toString(16).padStart(2, "0")} ${frame[1]!.toString(16).padStart(2, "0")}`;
  return [
    `<!-- frame:${name} -->`,
    "```text",
    wrap(diagnostic(decodeCbor(payload))),
    "",
    `; ${frame.length} bytes: length ${payload.length} (${length}), then the CBOR payload`,
    hexDump(frame),
    "```",
    `<!-- /frame:${name} -->`,
  ].join("\n");
}

/** Breaks long diagnostic lines after a comma, so the page reads without scrolling. */
function wrap(text: string, width = 76): string {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(", ", width);
    if (cut <= 0) break;
    lines.push(rest.slice(0, cut + 1));
    rest = `  ${rest.slice(cut + 2)}`;
  }
  lines.push(rest);
  return lines.join("\n");
}

const BLOCK = /<!-- frame:([\w-]+) -->[\s\S]*?<!-- \/frame:\1 -->/g;

describe("docs/protocol.md example frames", () => {
  if (process.env.UPDATE_DOCS === "1") {
    const page = readFileSync(DOC, "utf8");
    const byName = new Map(EXAMPLES.map((e) => [e.name, renderBlock(e.name, e.message)]));
    const updated = page.replace(BLOCK, (whole, name: string) => byName.get(name) ?? whole);
    if (updated !== page) writeFileSync(DOC, updated);
  }
  const page = readFileSync(DOC, "utf8");

  test("the examples cover every request, reply and pushed frame type", () => {
    const requests = new Set(
      EXAMPLES.filter((e) => e.side === "request").map((e) => e.message.type),
    );
    const server = new Set(EXAMPLES.filter((e) => e.side === "server").map((e) => e.message.type));
    for (const type of ["identify", "subscribe", "unsubscribe", "message", "topics", "history"]) {
      expect(isRequestType(type)).toBe(true);
      expect(requests.has(type)).toBe(true);
    }
    expect(requests.has("ping") && requests.has("pong")).toBe(true);
    for (const type of [...SERVER_TYPES, "ping", "pong"]) expect(server.has(type)).toBe(true);
  });

  test("every example is a valid frame that decodes to itself", () => {
    for (const { side, message } of EXAMPLES) {
      const payload = encodeMessageFrame(message).subarray(2);
      const decoded = side === "request" ? decodeRequest(payload) : decodeServerFrame(payload);
      expect<unknown>(decoded).toEqual(message);
    }
  });

  for (const { name, message } of EXAMPLES) {
    test(`frame:${name} is in the page exactly`, () => {
      const block = renderBlock(name, message);
      if (!page.includes(block)) {
        throw new Error(
          `docs/protocol.md is missing or has a stale block for ${name}; ` +
            "run UPDATE_DOCS=1 bun test test/docs/protocol-doc.test.ts (markers must exist)",
        );
      }
    });
  }

  test("the page has no block without an example", () => {
    const names = new Set(EXAMPLES.map((e) => e.name));
    const inPage = [...page.matchAll(BLOCK)].map((m) => m[1]!);
    expect(inPage.filter((name) => !names.has(name))).toEqual([]);
    expect(new Set(inPage).size).toBe(inPage.length);
  });
});
