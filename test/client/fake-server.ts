/**
 * A small scripted Scalar server over the in-memory network: enough of the
 * contract (identify, subscribe with join, message, history paging, ping) to
 * drive the runtime, plus knobs to break things on purpose (drop a live
 * event, cut a connection, forget old history, refuse dials, rate-limit).
 */

import { MemoryNetwork, type MemoryPeer } from "../../src/client/memory-transport.ts";
import {
  DateTime,
  decodeRequest,
  type EventFrame,
  encodeMessageFrame,
  FrameDecoder,
  type Limits,
  type Outgoing,
  parseName,
  type Request,
} from "../../src/protocol/index.ts";

export interface FakeConnection {
  peer: MemoryPeer;
  id: string | undefined;
  topics: Set<string>;
  requests: Request[];
  pongs: DateTime[];
}

export class FakeServer {
  readonly domain = "localhost";
  readonly network: MemoryNetwork;
  readonly connections: FakeConnection[] = [];
  readonly events = new Map<string, EventFrame[]>();
  limits: Limits = { frame: 16384, topic: 256, subscriptions: 100, rate: 1000, burst: 1000 };
  /** Live events (topic:seq) not pushed to subscribers, to make gaps. */
  readonly dropLive = new Set<string>();
  /** History keeps only events with seq >= this, per topic (retention). */
  readonly retainFrom = new Map<string, number>();
  /** Topics whose history is unavailable. */
  readonly noHistory = new Set<string>();
  historyLimit = 100;
  /** The next n `message` requests get `rate_limited`. */
  rateLimitNext = 0;
  /** Topics whose subscription is refused with `forbidden`. */
  readonly forbidden = new Set<string>();
  /** Answer pings from clients (false simulates a dead link). */
  answerPings = true;
  time = 1_700_000_000;
  private listeners: ((c: FakeConnection, r: Request) => void)[] = [];

  constructor() {
    this.network = new MemoryNetwork((peer) => this.accept(peer), "fake:7667");
  }

  get dialer() {
    return this.network.dialer;
  }

  /** Resolves when a request matching `predicate` arrives. */
  nextRequest(predicate: (r: Request, c: FakeConnection) => boolean): Promise<Request> {
    return new Promise((resolve) => {
      const listener = (c: FakeConnection, r: Request) => {
        if (!predicate(r, c)) return;
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(r);
      };
      this.listeners.push(listener);
    });
  }

  open(): FakeConnection[] {
    return this.connections.filter((c) => !c.peer.closed);
  }

  /** Publishes an event as `from` (no need to be connected). */
  publish(
    topic: string,
    from: string,
    body: string,
    kind: EventFrame["kind"] = "message",
  ): EventFrame {
    const full = parseName(topic, this.domain).full;
    const list = this.events.get(full) ?? [];
    this.events.set(full, list);
    this.time += 1;
    const event: EventFrame = {
      type: "event",
      topic: full,
      seq: list.length + 1,
      at: new DateTime(this.time),
      from: parseName(from, this.domain).full,
      kind,
      body,
    };
    list.push(event);
    if (this.dropLive.has(`${full}:${event.seq}`)) return event;
    for (const c of this.open()) {
      if (c.topics.has(full)) this.write(c, { ...event });
    }
    return event;
  }

  /** Closes every open connection (or the given one) abruptly. */
  cut(connection?: FakeConnection): void {
    for (const c of connection ? [connection] : this.open()) c.peer.close();
  }

  ping(connection: FakeConnection, at = new DateTime(12345.678)): void {
    this.write(connection, { type: "ping", at });
  }

  write(c: FakeConnection, message: Outgoing): void {
    c.peer.write(encodeMessageFrame(message));
  }

  private accept(peer: MemoryPeer): void {
    const connection: FakeConnection = {
      peer,
      id: undefined,
      topics: new Set(),
      requests: [],
      pongs: [],
    };
    this.connections.push(connection);
    const decoder = new FrameDecoder();
    peer.onData = (chunk) => {
      decoder.push(chunk, (payload) => {
        const request = decodeRequest(payload);
        connection.requests.push(request);
        this.handle(connection, request);
        for (const l of [...this.listeners]) l(connection, request);
      });
    };
  }

  private handle(c: FakeConnection, request: Request & { ref?: number | string }): unknown {
    const ref = request.ref;
    const reply = (m: Outgoing) => this.write(c, ref === undefined ? m : { ...m, ref });
    const error = (code: string, message: string) =>
      reply({ type: "error", code, message, fatal: false, re: request.type });
    switch (request.type) {
      case "identify": {
        if (request.token === "bad") return error("auth_failed", "bad token");
        c.id = parseName(request.id, this.domain).full;
        c.topics.add(c.id);
        return reply({
          type: "welcome",
          id: c.id,
          server: this.domain,
          version: 1,
          limits: this.limits,
          history: true,
          time: new DateTime(this.time),
        });
      }
      case "subscribe": {
        const full = parseName(request.topic, this.domain).full;
        if (this.forbidden.has(full)) return error("forbidden", "not for you");
        const seq = this.events.get(full)?.length ?? 0;
        const fresh = !c.topics.has(full);
        c.topics.add(full);
        reply({ type: "subscribed", topic: full, seq });
        const present = this.open().some((o) => o !== c && o.id === c.id && o.topics.has(full));
        if (fresh && !present && full.startsWith("#")) this.publish(full, c.id!, "", "join");
        return;
      }
      case "message": {
        if (this.rateLimitNext > 0) {
          this.rateLimitNext--;
          return error("rate_limited", "slow down");
        }
        const full = parseName(request.to, this.domain).full;
        const list = this.events.get(full) ?? [];
        this.events.set(full, list);
        const seq = list.length + 1;
        reply({ type: "sent", topic: full, seq, at: new DateTime(this.time + 1) });
        this.publish(full, c.id!, request.body);
        return;
      }
      case "history": {
        const full = parseName(request.topic, this.domain).full;
        if (this.noHistory.has(full)) {
          return reply({ type: "backlog", topic: full, available: false, events: [], more: false });
        }
        if (!("after" in request) && !("last" in request)) {
          return error("bad_message", "fake supports after and last only");
        }
        const from = this.retainFrom.get(full) ?? 1;
        const kept = (this.events.get(full) ?? []).filter((e) => e.seq >= from);
        const all =
          "after" in request
            ? kept.filter((e) => e.seq > request.after)
            : kept.slice(Math.max(0, kept.length - request.last));
        const limit = Math.min(request.limit ?? this.historyLimit, this.historyLimit);
        const page = all.slice(0, limit);
        return reply({
          type: "backlog",
          topic: full,
          available: true,
          events: page.map((e) => ({ ...e })),
          more: all.length > page.length,
        });
      }
      case "ping":
        if (this.answerPings) reply({ type: "pong", at: request.at });
        return;
      case "pong":
        c.pongs.push(request.at);
        return;
      default:
        return error("unknown_type", request.type);
    }
  }
}
