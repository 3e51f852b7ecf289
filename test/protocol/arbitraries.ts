/** fast-check generators for every Scalar v1 message (shared by property tests and benches). */
import fc from "fast-check";
import {
  DateTime,
  ERROR_CODES,
  type EventFrame,
  type Request,
  type ServerFrame,
  type WithRef,
} from "../../src/protocol/index.ts";

/** Text of any Unicode scalar values (never a lone surrogate). */
export const text = (maxLength = 24) => fc.string({ unit: "binary", maxLength });
export const uint = fc.maxSafeNat();
export const bytes = fc.uint8Array({ maxLength: 32 });
/** Integer or fractional seconds; -0 is left out since CBOR has no integer -0. */
export const datetime = fc
  .oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
  )
  .map((seconds) => new DateTime(seconds));
/** At most 16 code points, so at most 64 bytes of UTF-8. */
export const ref = fc.oneof(uint, text(16));

function withRef<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<WithRef<T>> {
  return fc
    .tuple(arb, fc.option(ref, { nil: undefined }))
    .map(([value, r]) => (r === undefined ? value : { ...value, ref: r }));
}

const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required: (keyof T)[]) =>
  fc.record(model, { requiredKeys: required as never }) as unknown as fc.Arbitrary<T>;

export const requestArb: fc.Arbitrary<WithRef<Request>> = withRef(
  fc.oneof(
    record(
      {
        type: fc.constant("identify" as const),
        id: text(),
        token: fc.oneof(text(), bytes),
        agent: text(),
      },
      ["type", "id"],
    ),
    fc.record({ type: fc.constant("subscribe" as const), topic: text() }),
    fc.record({ type: fc.constant("unsubscribe" as const), topic: text() }),
    record(
      {
        type: fc.constant("message" as const),
        to: text(),
        body: text(200),
        content_type: text(),
        data: bytes,
      },
      ["type", "to", "body"],
    ),
    record({ type: fc.constant("topics" as const), offset: uint, limit: uint, filter: text(16) }, [
      "type",
    ]),
    fc
      .tuple(
        text(),
        fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
        fc.oneof(
          uint.map((after) => ({ after })),
          datetime.map((since) => ({ since })),
          uint.map((last) => ({ last })),
        ),
      )
      .map(([topic, limit, selector]) => ({
        type: "history" as const,
        topic,
        ...(limit === undefined ? {} : { limit }),
        ...selector,
      })),
    fc.record({ type: fc.constant("ping" as const), at: datetime }),
    fc.record({ type: fc.constant("pong" as const), at: datetime }),
  ),
);

export const eventArb: fc.Arbitrary<EventFrame> = record(
  {
    type: fc.constant("event" as const),
    topic: text(),
    seq: uint,
    at: datetime,
    from: text(),
    kind: fc.constantFrom("message" as const, "join" as const, "leave" as const),
    body: text(100),
    content_type: text(),
    data: bytes,
  },
  ["type", "topic", "seq", "at", "from", "kind"],
);

export const serverFrameArb: fc.Arbitrary<WithRef<ServerFrame>> = fc.oneof(
  withRef(
    record(
      {
        type: fc.constant("welcome" as const),
        id: text(),
        server: text(),
        version: uint,
        limits: fc.record({
          frame: uint,
          topic: uint,
          subscriptions: uint,
          rate: uint,
          burst: uint,
        }),
        history: fc.boolean(),
        motd: text(),
        time: datetime,
      },
      ["type", "id", "server", "version", "limits", "history", "time"],
    ),
  ),
  withRef(fc.record({ type: fc.constant("subscribed" as const), topic: text(), seq: uint })),
  withRef(fc.record({ type: fc.constant("unsubscribed" as const), topic: text() })),
  withRef(
    fc.record({ type: fc.constant("sent" as const), topic: text(), seq: uint, at: datetime }),
  ),
  withRef(
    fc.record({
      type: fc.constant("topic_list" as const),
      total: uint,
      offset: uint,
      topics: fc.array(fc.record({ topic: text(), subscribers: uint }), { maxLength: 4 }),
    }),
  ),
  withRef(
    fc.record({
      type: fc.constant("backlog" as const),
      topic: text(),
      available: fc.boolean(),
      events: fc.array(eventArb, { maxLength: 3 }),
      more: fc.boolean(),
    }),
  ),
  withRef(fc.record({ type: fc.constant("pong" as const), at: datetime })),
  withRef(
    record(
      {
        type: fc.constant("error" as const),
        code: fc.constantFrom(...ERROR_CODES),
        message: text(),
        fatal: fc.boolean(),
        re: text(),
      },
      ["type", "code", "message", "fatal"],
    ),
  ),
  eventArb,
  fc.record({ type: fc.constant("ping" as const), at: datetime }),
);
