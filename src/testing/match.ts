/**
 * What a test user received, how a test describes the event it waits for,
 * and the one-line text form transcripts and failure messages use.
 */
import { type EventView, eventView } from "../bot/api.ts";
import type { EventFrame, EventKind } from "../protocol/index.ts";
import { parseName, shortName } from "../protocol/index.ts";

/** One event a test user received. Names are in full form. */
export interface ReceivedEvent extends EventView {
  /** The transcript line, e.g. `#general <greeter> Welcome, alice!`. */
  readonly line: string;
}

/** Which event an expectation waits for; every given field must match. */
export interface EventMatch {
  /** The sender: short (`greeter`) or full (`greeter@test.local`). */
  from?: string;
  /** `#general`, a full name, or a user's ID for direct messages. */
  topic?: string;
  /** Equal to this text, or matching this pattern. */
  body?: string | RegExp;
  /** Default `message`; `any` takes joins and leaves too. */
  kind?: EventKind | "any";
}

/** The full form of a name given short or full (`#general` → `#general@test.local`). */
export function fullName(name: string, domain: string): string {
  try {
    return parseName(name, domain).full;
  } catch {
    return name;
  }
}

/** A topic as transcripts show it: `#general`, `!wall`, `@alice` for an ID (direct messages). */
export function topicLabel(topic: string, domain: string): string {
  const short = shortName(topic, domain);
  return short.startsWith("#") || short.startsWith("!") ? short : `@${short}`;
}

/** The transcript line of an event; times are left out so transcripts are stable. */
export function eventLine(event: EventFrame, domain: string): string {
  const topic = topicLabel(event.topic, domain);
  const from = shortName(event.from, domain);
  if (event.kind === "join") return `${topic} * ${from} joined`;
  if (event.kind === "leave") return `${topic} * ${from} left`;
  // Continuation lines are indented so a multi-line body stays one entry.
  return `${topic} <${from}> ${(event.body ?? "").replaceAll("\n", "\n  ")}`;
}

export function toReceived(event: EventFrame, domain: string): ReceivedEvent {
  return { ...eventView(event), line: eventLine(event, domain) };
}

/**
 * Whether `event` matches. The user's own events match only when `from`
 * names the user: a test waits for what others said.
 */
export function matches(
  event: ReceivedEvent,
  match: EventMatch,
  self: string,
  domain: string,
): boolean {
  const kind = match.kind ?? "message";
  if (kind !== "any" && event.kind !== kind) return false;
  if (match.from !== undefined) {
    if (event.from !== fullName(match.from, domain)) return false;
  } else if (event.from === self) {
    return false;
  }
  if (match.topic !== undefined && event.topic !== fullName(match.topic, domain)) return false;
  if (typeof match.body === "string") return event.body === match.body;
  if (match.body !== undefined) {
    match.body.lastIndex = 0; // a /g or /y pattern keeps state between calls
    return match.body.test(event.body);
  }
  return true;
}

/** `message { from: "greeter", body: /Welcome/ }`: a match as failure messages show it. */
export function describeMatch(match: EventMatch): string {
  const parts: string[] = [];
  if (match.topic !== undefined) parts.push(`topic: ${JSON.stringify(match.topic)}`);
  if (match.from !== undefined) parts.push(`from: ${JSON.stringify(match.from)}`);
  if (match.body !== undefined) {
    parts.push(
      `body: ${typeof match.body === "string" ? JSON.stringify(match.body) : String(match.body)}`,
    );
  }
  const kind = match.kind ?? "message";
  const what = kind === "any" ? "event" : kind === "message" ? "message" : `${kind} event`;
  return parts.length === 0 ? what : `${what} { ${parts.join(", ")} }`;
}

/**
 * What the users received, one line per event, each event once, grouped
 * by topic (sorted) in seq order; times left out.
 */
export function transcriptOf(
  users: readonly { messages: readonly ReceivedEvent[] }[],
  domain: string,
): string {
  const events = new Map<string, ReceivedEvent>();
  for (const user of users) {
    for (const e of user.messages) events.set(`${e.topic}\u0000${e.seq}`, e);
  }
  const label = (topic: string) => topicLabel(topic, domain);
  return [...events.values()]
    .sort((a, b) =>
      a.topic === b.topic ? a.seq - b.seq : label(a.topic) < label(b.topic) ? -1 : 1,
    )
    .map((e) => e.line)
    .join("\n");
}
