import { DateTime } from "./datetime.ts";
import { type ErrorCode, isErrorCode, type Ref, ScalarError } from "./errors.ts";
import { FieldReader, isWireMap, utf8Length, type WireMap } from "./fields.ts";

export const PROTOCOL_VERSION = 1;
export const MAX_REF_TEXT_BYTES = 64;
export const MAX_FILTER_BYTES = 64;

// ---------------------------------------------------------------- requests --

export interface IdentifyRequest {
  type: "identify";
  id: string;
  token?: string | Uint8Array;
  agent?: string;
}
export interface SubscribeRequest {
  type: "subscribe";
  topic: string;
}
export interface UnsubscribeRequest {
  type: "unsubscribe";
  topic: string;
}
export interface MessageRequest {
  type: "message";
  to: string;
  body: string;
  content_type?: string;
  data?: Uint8Array;
}
export interface TopicsRequest {
  type: "topics";
  offset?: number;
  limit?: number;
  filter?: string;
}
/** Exactly one of `after`, `since`, `last`. */
export type HistorySelector = { after: number } | { since: DateTime } | { last: number };
export type HistoryRequest = {
  type: "history";
  topic: string;
  limit?: number;
} & HistorySelector;
export interface PingMessage {
  type: "ping";
  at: DateTime;
}
export interface PongMessage {
  type: "pong";
  at: DateTime;
}

export type Request =
  | IdentifyRequest
  | SubscribeRequest
  | UnsubscribeRequest
  | MessageRequest
  | TopicsRequest
  | HistoryRequest
  | PingMessage
  | PongMessage;

export type RequestType = Request["type"];

/** Every request may carry a `ref`, echoed in its reply. */
export type WithRef<T> = T & { ref?: Ref };

// -------------------------------------------------- replies and pushed frames --

export interface Limits {
  frame: number;
  topic: number;
  subscriptions: number;
  rate: number;
  burst: number;
}
export interface WelcomeReply {
  type: "welcome";
  id: string;
  server: string;
  version: number;
  limits: Limits;
  history: boolean;
  motd?: string;
  time: DateTime;
}
export interface SubscribedReply {
  type: "subscribed";
  topic: string;
  seq: number;
  /** The topic's sequence space (§5 Epochs); absent from servers older than the rule. */
  epoch?: string;
}
export interface UnsubscribedReply {
  type: "unsubscribed";
  topic: string;
}
export interface SentReply {
  type: "sent";
  topic: string;
  seq: number;
  at: DateTime;
}
export interface TopicInfo {
  topic: string;
  subscribers: number;
}
export interface TopicListReply {
  type: "topic_list";
  total: number;
  offset: number;
  topics: TopicInfo[];
}
export type EventKind = "message" | "join" | "leave";
export const EVENT_KINDS: readonly EventKind[] = ["message", "join", "leave"];
export interface EventFrame {
  type: "event";
  topic: string;
  seq: number;
  at: DateTime;
  from: string;
  kind: EventKind;
  body?: string;
  content_type?: string;
  data?: Uint8Array;
}
export interface BacklogReply {
  type: "backlog";
  topic: string;
  available: boolean;
  /** As in `subscribed`; present when `available` on servers that follow §5 Epochs. */
  epoch?: string;
  events: EventFrame[];
  more: boolean;
}
export interface ErrorFrame {
  type: "error";
  code: ErrorCode;
  message: string;
  fatal: boolean;
  re?: string;
}
/** A frame type a later protocol version may push: clients ignore it. */
export interface UnknownFrame {
  type: "unknown";
  originalType: string;
}

export type Reply =
  | WelcomeReply
  | SubscribedReply
  | UnsubscribedReply
  | SentReply
  | TopicListReply
  | BacklogReply
  | PongMessage
  | ErrorFrame;

/** Anything a server sends. */
export type ServerFrame = Reply | EventFrame | PingMessage | UnknownFrame;

/** Types only a server sends: a client sending one gets `unknown_type`. */
export const SERVER_TYPES = new Set([
  "welcome",
  "subscribed",
  "unsubscribed",
  "sent",
  "topic_list",
  "backlog",
  "event",
  "error",
]);

const REQUEST_TYPES = new Set<string>([
  "identify",
  "subscribe",
  "unsubscribe",
  "message",
  "topics",
  "history",
  "ping",
  "pong",
]);

export function isRequestType(type: string): type is RequestType {
  return REQUEST_TYPES.has(type);
}

// ---------------------------------------------------------------- envelope --

export interface Envelope {
  type: string;
  ref?: Ref;
  map: WireMap;
}

/**
 * Checks what every frame must be: a map with a text `type`, and a valid
 * `ref` if any.
 *
 * @throws ScalarError `bad_message`; its `re` is set when the type was readable.
 */
export function readEnvelope(value: unknown): Envelope {
  if (!isWireMap(value)) {
    throw new ScalarError("bad_message", "a frame must be a map with text keys");
  }
  const type = value.type;
  if (typeof type !== "string") {
    throw new ScalarError("bad_message", 'a frame must have a text "type"');
  }
  const ref = value.ref;
  if (ref === undefined) return { type, map: value };
  if (isValidRef(ref)) return { type, ref, map: value };
  // A pong never gets a reply, not even an error: its bad ref is dropped.
  if (type === "pong") return { type, map: value };
  throw new ScalarError(
    "bad_message",
    `${type}: "ref" must be an unsigned integer below 2^53 or a text of at most ${MAX_REF_TEXT_BYTES} bytes`,
    { re: type },
  );
}

export function isValidRef(ref: unknown): ref is Ref {
  if (typeof ref === "number") return Number.isSafeInteger(ref) && ref >= 0;
  if (typeof ref === "string") return utf8Length(ref) <= MAX_REF_TEXT_BYTES;
  return false;
}

// ------------------------------------------------------- request validation --

/**
 * Validates a client request whose envelope was read already.
 *
 * @throws ScalarError `unknown_type` for a type no client sends,
 *   `bad_message` naming the field that is missing or of the wrong type.
 */
export function parseRequest(envelope: Envelope): Request {
  const { type, map, ref } = envelope;
  if (!isRequestType(type)) {
    throw new ScalarError("unknown_type", `unknown request type ${JSON.stringify(type)}`, {
      re: type,
      ref,
    });
  }
  try {
    return REQUEST_PARSERS[type](new FieldReader(map, type));
  } catch (error) {
    if (error instanceof ScalarError) error.ref = ref;
    throw error;
  }
}

const REQUEST_PARSERS: { [T in RequestType]: (r: FieldReader) => Request } = {
  identify: (r) => {
    const request: IdentifyRequest = { type: "identify", id: r.text("id") };
    if (r.has("token")) request.token = r.textOrBytes("token");
    const agent = r.optText("agent");
    if (agent !== undefined) request.agent = agent;
    return request;
  },
  subscribe: (r) => ({ type: "subscribe", topic: r.text("topic") }),
  unsubscribe: (r) => ({ type: "unsubscribe", topic: r.text("topic") }),
  message: (r) => {
    const request: MessageRequest = { type: "message", to: r.text("to"), body: r.text("body") };
    const contentType = r.optText("content_type");
    if (contentType !== undefined) request.content_type = contentType;
    const data = r.optBytes("data");
    if (data !== undefined) request.data = data;
    return request;
  },
  topics: (r) => {
    const request: TopicsRequest = { type: "topics" };
    const offset = r.optUint("offset");
    if (offset !== undefined) request.offset = offset;
    const limit = r.optUint("limit");
    if (limit !== undefined) request.limit = limit;
    const filter = r.optText("filter", MAX_FILTER_BYTES);
    if (filter !== undefined) request.filter = filter;
    return request;
  },
  history: (r) => {
    const topic = r.text("topic");
    const given = ["after", "since", "last"].filter((field) => r.has(field));
    if (given.length !== 1) {
      throw new ScalarError(
        "bad_message",
        `history: exactly one of "after", "since", "last" is required (got ${given.length})`,
        { re: "history" },
      );
    }
    const limit = r.optUint("limit");
    if (limit === 0) {
      throw new ScalarError("bad_message", 'history: field "limit" must be 1 or more', {
        re: "history",
      });
    }
    const base =
      limit === undefined
        ? { type: "history" as const, topic }
        : { type: "history" as const, topic, limit };
    if (given[0] === "after") return { ...base, after: r.uint("after") };
    if (given[0] === "since") return { ...base, since: r.datetime("since") };
    return { ...base, last: r.uint("last") };
  },
  ping: (r) => ({ type: "ping", at: r.datetime("at") }),
  // A pong is never answered, so a malformed one is not an error: its `at`
  // is kept when it is a datetime (to match it with the ping) and is
  // DateTime(0) otherwise.
  pong: (r) => ({ type: "pong", at: r.has("at") ? pongAt(r) : new DateTime(0) }),
};

function pongAt(r: FieldReader): DateTime {
  try {
    return r.datetime("at");
  } catch {
    return new DateTime(0);
  }
}

// ------------------------------------------------ server frame validation --

/**
 * Validates a frame a server sent (the client side). Types a later version
 * may add come back as `{type: "unknown"}` so the caller can ignore them.
 *
 * @throws ScalarError `bad_message` naming the field at fault.
 */
export function parseServerFrame(value: unknown): WithRef<ServerFrame> {
  const envelope = readEnvelope(value);
  const parser = SERVER_PARSERS[envelope.type];
  if (parser === undefined) return { type: "unknown", originalType: envelope.type };
  const frame = parser(new FieldReader(envelope.map, envelope.type));
  return envelope.ref === undefined ? frame : { ...frame, ref: envelope.ref };
}

function parseEvent(r: FieldReader): EventFrame {
  const event: EventFrame = {
    type: "event",
    topic: r.text("topic"),
    seq: r.uint("seq"),
    at: r.datetime("at"),
    from: r.text("from"),
    kind: r.oneOf("kind", EVENT_KINDS),
  };
  const body = r.optText("body");
  if (body !== undefined) event.body = body;
  const contentType = r.optText("content_type");
  if (contentType !== undefined) event.content_type = contentType;
  const data = r.optBytes("data");
  if (data !== undefined) event.data = data;
  return event;
}

const SERVER_PARSERS: Record<string, (r: FieldReader) => ServerFrame> = {
  welcome: (r) => {
    const limits = r.map_("limits");
    const welcome: WelcomeReply = {
      type: "welcome",
      id: r.text("id"),
      server: r.text("server"),
      version: r.uint("version"),
      limits: {
        frame: limits.uint("frame"),
        topic: limits.uint("topic"),
        subscriptions: limits.uint("subscriptions"),
        rate: limits.uint("rate"),
        burst: limits.uint("burst"),
      },
      history: r.bool("history"),
      time: r.datetime("time"),
    };
    const motd = r.optText("motd");
    if (motd !== undefined) welcome.motd = motd;
    return welcome;
  },
  subscribed: (r) => {
    const reply: SubscribedReply = {
      type: "subscribed",
      topic: r.text("topic"),
      seq: r.uint("seq"),
    };
    const epoch = optEpoch(r);
    if (epoch !== undefined) reply.epoch = epoch;
    return reply;
  },
  unsubscribed: (r) => ({ type: "unsubscribed", topic: r.text("topic") }),
  sent: (r) => ({ type: "sent", topic: r.text("topic"), seq: r.uint("seq"), at: r.datetime("at") }),
  topic_list: (r) => ({
    type: "topic_list",
    total: r.uint("total"),
    offset: r.uint("offset"),
    topics: r.array("topics").map((item, i) => {
      if (!isWireMap(item)) {
        throw new ScalarError("bad_message", `topic_list: topics[${i}] must be a map`);
      }
      const t = new FieldReader(item, `topic_list.topics[${i}]`);
      return { topic: t.text("topic"), subscribers: t.uint("subscribers") };
    }),
  }),
  backlog: (r) => {
    const reply: BacklogReply = {
      type: "backlog",
      topic: r.text("topic"),
      available: r.bool("available"),
      more: r.bool("more"),
      events: r.array("events").map((item, i) => {
        if (!isWireMap(item)) {
          throw new ScalarError("bad_message", `backlog: events[${i}] must be a map`);
        }
        return parseEvent(new FieldReader(item, `backlog.events[${i}]`));
      }),
    };
    const epoch = optEpoch(r);
    if (epoch !== undefined) reply.epoch = epoch;
    return reply;
  },
  pong: (r) => ({ type: "pong", at: r.datetime("at") }),
  event: parseEvent,
  ping: (r) => ({ type: "ping", at: r.datetime("at") }),
  error: (r) => {
    const code = r.text("code");
    const frame: ErrorFrame = {
      type: "error",
      // A code from a later version is reported as internal rather than lost.
      code: isErrorCode(code) ? code : "internal",
      message: r.text("message"),
      fatal: r.bool("fatal"),
    };
    const re = r.optText("re");
    if (re !== undefined) frame.re = re;
    return frame;
  },
};

export const MAX_EPOCH_BYTES = 64;

/** `epoch`: text of 1–64 UTF-8 bytes when present (§5 Epochs). */
function optEpoch(r: FieldReader): string | undefined {
  const epoch = r.optText("epoch", MAX_EPOCH_BYTES);
  if (epoch === "") throw new ScalarError("bad_message", "epoch must not be empty");
  return epoch;
}
