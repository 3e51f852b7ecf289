import { describe, expect, test } from "bun:test";
import {
  DateTime,
  decodeCbor,
  decodeRequest,
  encodeCbor,
  isRequestType,
  isValidRef,
  parseRequest,
  parseServerFrame,
  type Request,
  readEnvelope,
  SERVER_TYPES,
  Tagged,
} from "../../src/protocol/index.ts";
import { expectCode, fromHex } from "./helpers.ts";

const AT = new DateTime(1700000000.25);

/** Validates a decoded map as a request, the way a server does. */
function request(map: unknown): Request {
  return parseRequest(readEnvelope(map));
}

/** Expects `map` to be refused as bad_message naming `field`. */
function badField(map: Record<string, unknown>, field: string): void {
  const error = expectCode(() => request(map), "bad_message");
  expect(error.message).toContain(`"${field}"`);
  expect(error.fatal).toBe(false);
  expect(error.re).toBe(map.type as string);
}

describe("envelope", () => {
  test("a frame must be a map with text keys and a text type", () => {
    for (const value of [[], "identify", 1, null, true, Uint8Array.of(1), AT, new Tagged(2, {})]) {
      const error = expectCode(() => readEnvelope(value), "bad_message");
      expect(error.re).toBeUndefined();
    }
    expectCode(() => readEnvelope(new Map([[1, "x"]])), "bad_message");
    expectCode(() => readEnvelope(decodeCbor(fromHex("a2647479706561780102"))), "bad_message");
    expectCode(() => readEnvelope({}), "bad_message");
    expectCode(() => readEnvelope({ type: 1 }), "bad_message");
    expectCode(() => readEnvelope({ type: Uint8Array.of(0x61) }), "bad_message");
    expect(readEnvelope({ type: "" }).type).toBe("");
  });

  test("ref: an unsigned integer below 2^53 or a text of at most 64 bytes", () => {
    for (const ref of [0, 1, 2 ** 32, 2 ** 53 - 1, "", "r1", "x".repeat(64), "é".repeat(32)]) {
      expect(readEnvelope({ type: "ping", ref }).ref).toBe(ref);
      expect(isValidRef(ref)).toBe(true);
    }
    for (const ref of [
      -1,
      1.5,
      2 ** 53,
      2n ** 53n,
      "x".repeat(65),
      "é".repeat(33),
      Uint8Array.of(1),
      null,
      true,
      [],
      {},
      AT,
    ]) {
      const error = expectCode(() => readEnvelope({ type: "ping", ref }), "bad_message");
      expect(error.message).toContain('"ref"');
      expect(error.re).toBe("ping");
      expect(error.ref).toBeUndefined();
      expect(isValidRef(ref)).toBe(false);
    }
  });

  test("a pong's bad ref is dropped, not refused: a pong never gets a reply", () => {
    expect(readEnvelope({ type: "pong", at: AT, ref: -1 })).toEqual({
      type: "pong",
      map: { type: "pong", at: AT, ref: -1 },
    });
    expect(decodeRequest(encodeCbor({ type: "pong", at: AT, ref: [] }))).toEqual({
      type: "pong",
      at: AT,
    });
  });

  test("a ref decoded from the wire: 2^53-1 is kept, 2^53 is refused", () => {
    const ok = decodeRequest(encodeCbor({ type: "subscribe", topic: "#a", ref: 2 ** 53 - 1 }));
    expect(ok.ref).toBe(2 ** 53 - 1);
    // {"type": "ping", "ref": 2^53, "at": 1(0)}
    const tooBig = fromHex("a364747970656470696e67637265661b0020000000000000626174c100");
    expectCode(() => decodeRequest(tooBig), "bad_message");
  });
});

describe("requests", () => {
  test("identify", () => {
    expect(request({ type: "identify", id: "alice" })).toEqual({ type: "identify", id: "alice" });
    expect(request({ type: "identify", id: "a@b.c", token: "t", agent: "x/1" })).toEqual({
      type: "identify",
      id: "a@b.c",
      token: "t",
      agent: "x/1",
    });
    expect(request({ type: "identify", id: "a", token: Uint8Array.of(1, 2) })).toEqual({
      type: "identify",
      id: "a",
      token: Uint8Array.of(1, 2),
    });
    badField({ type: "identify" }, "id");
    badField({ type: "identify", id: 1 }, "id");
    badField({ type: "identify", id: "a", token: 1 }, "token");
    badField({ type: "identify", id: "a", token: null }, "token");
    badField({ type: "identify", id: "a", agent: Uint8Array.of(1) }, "agent");
  });

  test("subscribe and unsubscribe", () => {
    for (const type of ["subscribe", "unsubscribe"] as const) {
      expect(request({ type, topic: "#general" })).toEqual({ type, topic: "#general" });
      badField({ type }, "topic");
      badField({ type, topic: ["#general"] }, "topic");
      badField({ type, topic: Uint8Array.of(0x61) }, "topic");
    }
  });

  test("message", () => {
    expect(request({ type: "message", to: "#a", body: "" })).toEqual({
      type: "message",
      to: "#a",
      body: "",
    });
    expect(
      request({
        type: "message",
        to: "#a",
        body: "hi",
        content_type: "text/markdown",
        data: Uint8Array.of(0),
      }),
    ).toEqual({
      type: "message",
      to: "#a",
      body: "hi",
      content_type: "text/markdown",
      data: Uint8Array.of(0),
    });
    badField({ type: "message", body: "hi" }, "to");
    badField({ type: "message", to: "#a" }, "body");
    badField({ type: "message", to: "#a", body: 1 }, "body");
    badField({ type: "message", to: "#a", body: "x", content_type: 1 }, "content_type");
    badField({ type: "message", to: "#a", body: "x", data: "bytes" }, "data");
    badField({ type: "message", to: "#a", body: "x", data: [1, 2] }, "data");
  });

  test("topics", () => {
    expect(request({ type: "topics" })).toEqual({ type: "topics" });
    expect(request({ type: "topics", offset: 10, limit: 5, filter: "gen" })).toEqual({
      type: "topics",
      offset: 10,
      limit: 5,
      filter: "gen",
    });
    expect(request({ type: "topics", filter: "x".repeat(64) }).type).toBe("topics");
    badField({ type: "topics", offset: -1 }, "offset");
    badField({ type: "topics", offset: 1.5 }, "offset");
    badField({ type: "topics", offset: "1" }, "offset");
    badField({ type: "topics", limit: -2n }, "limit");
    badField({ type: "topics", filter: 1 }, "filter");
    badField({ type: "topics", filter: "x".repeat(65) }, "filter");
  });

  test("history with after, since or last", () => {
    expect(request({ type: "history", topic: "#a", after: 0 })).toEqual({
      type: "history",
      topic: "#a",
      after: 0,
    });
    expect(request({ type: "history", topic: "#a", since: AT, limit: 10 })).toEqual({
      type: "history",
      topic: "#a",
      since: AT,
      limit: 10,
    });
    expect(request({ type: "history", topic: "#a", last: 20 })).toEqual({
      type: "history",
      topic: "#a",
      last: 20,
    });
    badField({ type: "history", after: 1 }, "topic");
    badField({ type: "history", topic: "#a", after: -1 }, "after");
    badField({ type: "history", topic: "#a", last: "3" }, "last");
    badField({ type: "history", topic: "#a", after: 1, limit: 0 }, "limit");
    badField({ type: "history", topic: "#a", after: 1, limit: 1.5 }, "limit");
  });

  test("history needs exactly one of after, since, last", () => {
    for (const map of [
      { type: "history", topic: "#a" },
      { type: "history", topic: "#a", limit: 5 },
      { type: "history", topic: "#a", after: 1, since: AT },
      { type: "history", topic: "#a", after: 1, last: 2 },
      { type: "history", topic: "#a", since: AT, last: 2 },
      { type: "history", topic: "#a", after: 1, since: AT, last: 2 },
    ]) {
      const error = expectCode(() => request(map), "bad_message");
      expect(error.message).toMatch(/exactly one of "after", "since", "last"/);
      expect(error.re).toBe("history");
    }
  });

  test("a datetime must be tag 1 over a number", () => {
    expect(request({ type: "ping", at: AT })).toEqual({ type: "ping", at: AT });
    badField({ type: "ping" }, "at");
    badField({ type: "ping", at: 1700000000 }, "at");
    badField({ type: "ping", at: "2023-11-14T22:13:20Z" }, "at");
    badField({ type: "ping", at: new Tagged(1, "2023-11-14T22:13:20Z") }, "at");
    badField({ type: "ping", at: new Tagged(0, "2023-11-14T22:13:20Z") }, "at");
    badField({ type: "ping", at: new Tagged(1, Number.NaN) }, "at");
    badField({ type: "history", topic: "#a", since: 1700000000 }, "since");
    badField({ type: "history", topic: "#a", since: new Tagged(1, "x") }, "since");
    // The same from the wire: tag 1 over text, and a bare integer.
    const tagOverText = fromHex("a264747970656470696e67626174c16178");
    expectCode(() => decodeRequest(tagOverText), "bad_message");
    const bare = fromHex("a264747970656470696e676261741a6553f100");
    expectCode(() => decodeRequest(bare), "bad_message");
  });

  test("pong is never refused: a valid at is kept, a malformed one ignored", () => {
    expect(request({ type: "pong", at: AT })).toEqual({ type: "pong", at: AT });
    expect(request({ type: "pong" })).toEqual({ type: "pong", at: new DateTime(0) });
    expect(request({ type: "pong", at: "x" })).toEqual({ type: "pong", at: new DateTime(0) });
    expect(request({ type: "pong", at: new Tagged(1, "x") })).toEqual({
      type: "pong",
      at: new DateTime(0),
    });
  });

  test("unknown keys are ignored", () => {
    const parsed = request({
      type: "message",
      to: "#a",
      body: "hi",
      priority: "high",
      extra: { nested: [new Tagged(99, 1)] },
    });
    expect(parsed).toEqual({ type: "message", to: "#a", body: "hi" });
    expect(request({ type: "topics", future: 1 })).toEqual({ type: "topics" });
  });

  test("an undefined value counts as absent", () => {
    expect(request({ type: "history", topic: "#a", after: 1, since: undefined })).toEqual({
      type: "history",
      topic: "#a",
      after: 1,
    });
    badField({ type: "subscribe", topic: undefined }, "topic");
  });

  test("unknown types, server types included, are unknown_type carrying re and ref", () => {
    for (const type of ["nope", "", "IDENTIFY", ...SERVER_TYPES]) {
      const error = expectCode(() => request({ type, ref: 7 }), "unknown_type");
      expect(error.re).toBe(type);
      expect(error.ref).toBe(7);
      expect(error.fatal).toBe(false);
      expect(isRequestType(type)).toBe(false);
    }
    for (const type of ["welcome", "subscribed", "sent", "event", "error", "backlog"]) {
      expect(SERVER_TYPES.has(type)).toBe(true);
    }
  });

  test("a field error carries the request's valid ref", () => {
    const error = expectCode(() => request({ type: "subscribe", ref: "r-9" }), "bad_message");
    expect(error.ref).toBe("r-9");
    expect(error.re).toBe("subscribe");
  });

  test("decodeRequest keeps the ref on the request", () => {
    const payload = encodeCbor({ type: "subscribe", topic: "#a", ref: 42, extra: true });
    expect(decodeRequest(payload)).toEqual({ type: "subscribe", topic: "#a", ref: 42 });
    expect(decodeRequest(encodeCbor({ type: "topics" }))).toEqual({ type: "topics" });
  });
});

describe("server frames", () => {
  const event = {
    type: "event",
    topic: "#general@example.com",
    seq: 3,
    at: AT,
    from: "alice@example.com",
    kind: "message",
    body: "hi",
  } as const;

  test("every v1 server frame validates", () => {
    const welcome = {
      type: "welcome",
      id: "alice@example.com",
      server: "example.com",
      version: 1,
      limits: { frame: 16384, topic: 256, subscriptions: 100, rate: 5, burst: 20 },
      history: true,
      time: AT,
    };
    expect<unknown>(parseServerFrame(welcome)).toEqual(welcome);
    expect<unknown>(parseServerFrame({ ...welcome, motd: "hello", ref: 1 })).toEqual({
      ...welcome,
      motd: "hello",
      ref: 1,
    });
    for (const frame of [
      { type: "subscribed", topic: "#a@x", seq: 0 },
      { type: "unsubscribed", topic: "#a@x" },
      { type: "sent", topic: "#a@x", seq: 1, at: AT },
      { type: "topic_list", total: 1, offset: 0, topics: [{ topic: "#a@x", subscribers: 2 }] },
      { type: "backlog", topic: "#a@x", available: true, events: [event], more: false },
      { type: "pong", at: AT },
      { type: "ping", at: AT },
      event,
      { ...event, kind: "join", body: undefined },
      { ...event, content_type: "application/json", data: Uint8Array.of(1) },
      { type: "error", code: "forbidden", message: "no", fatal: false, re: "message" },
      { type: "error", code: "shutdown", message: "bye", fatal: true },
    ]) {
      const decoded = parseServerFrame(decodeCbor(encodeCbor(frame)));
      expect<unknown>(decoded).toEqual(withoutUndefined(frame));
    }
  });

  test("types a later version may add come back as unknown", () => {
    expect(parseServerFrame({ type: "receipt", seq: 1 })).toEqual({
      type: "unknown",
      originalType: "receipt",
    });
  });

  test("an error code from a later version is reported as internal", () => {
    expect(
      parseServerFrame({ type: "error", code: "new_code", message: "m", fatal: false }),
    ).toEqual({ type: "error", code: "internal", message: "m", fatal: false });
  });

  test("missing or wrong-typed fields are bad_message naming the field", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: "subscribed", topic: "#a" }, "seq"],
      [{ type: "sent", topic: "#a", seq: 1, at: 5 }, "at"],
      [{ ...event, kind: "shout" }, "kind"],
      [{ ...event, from: undefined }, "from"],
      [{ ...event, data: "x" }, "data"],
      [{ type: "welcome", id: "a", server: "b", version: 1, history: true, time: AT }, "limits"],
      [
        {
          type: "welcome",
          id: "a",
          server: "b",
          version: 1,
          history: true,
          time: AT,
          limits: { frame: 1, topic: 1, subscriptions: 1, rate: 1 },
        },
        "burst",
      ],
      [{ type: "topic_list", total: 1, offset: 0, topics: [{ topic: "#a" }] }, "subscribers"],
      [{ type: "topic_list", total: 1, offset: 0, topics: {} }, "topics"],
      [{ type: "backlog", topic: "#a", available: 1, events: [], more: false }, "available"],
      [
        {
          type: "backlog",
          topic: "#a",
          available: true,
          events: [{ ...event, seq: -1 }],
          more: false,
        },
        "seq",
      ],
      [{ type: "error", code: "internal", message: "m" }, "fatal"],
      [{ type: "ping", at: new Tagged(1, "x") }, "at"],
    ];
    for (const [frame, field] of cases) {
      const error = expectCode(() => parseServerFrame(frame), "bad_message");
      expect(error.message).toContain(`"${field}"`);
    }
    expectCode(
      () =>
        parseServerFrame({
          type: "backlog",
          topic: "#a",
          available: true,
          events: [1],
          more: false,
        }),
      "bad_message",
    );
    expectCode(
      () => parseServerFrame({ type: "topic_list", total: 1, offset: 0, topics: ["#a"] }),
      "bad_message",
    );
  });
});

function withoutUndefined(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== undefined));
}
