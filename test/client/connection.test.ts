import { describe, expect, test } from "bun:test";
import { ManualClock, systemClock } from "../../src/client/clock.ts";
import { Connection } from "../../src/client/connection.ts";
import { ConnectionClosedError, RequestError } from "../../src/client/errors.ts";
import { MemoryNetwork, type MemoryPeer } from "../../src/client/memory-transport.ts";
import {
  DateTime,
  decodeRequest,
  encodeMessageFrame,
  FrameDecoder,
  type Request,
} from "../../src/protocol/index.ts";

/** A raw peer: the test writes whatever frames it wants. */
async function rawPair() {
  let peer!: MemoryPeer;
  const received: (Request & { ref?: unknown })[] = [];
  const waiters: (() => void)[] = [];
  const network = new MemoryNetwork((p) => {
    peer = p;
    const decoder = new FrameDecoder();
    p.onData = (chunk) =>
      decoder.push(chunk, (payload) => {
        received.push(decodeRequest(payload));
        for (const w of waiters.splice(0)) w();
      });
  });
  const events: unknown[] = [];
  let closed: Error | undefined;
  const connection = await Connection.open(network.dialer, {
    clock: systemClock,
    onEvent: (e) => events.push(e),
    onClose: (reason) => {
      closed = reason;
    },
  });
  const until = async (n: number) => {
    while (received.length < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { connection, peer, received, events, until, closed: () => closed };
}

describe("Connection", () => {
  test("replies are matched by ref; unknown pushed types are ignored; events pass through", async () => {
    const { connection, peer, received, events, until } = await rawPair();
    const a = connection.request({ type: "subscribe", topic: "#a" });
    const b = connection.request({ type: "subscribe", topic: "#b" });
    await until(2);
    const [ra, rb] = received;
    peer.write(encodeMessageFrame({ type: "shiny_new_thing", x: 1 }));
    peer.write(
      encodeMessageFrame({
        type: "event",
        topic: "#a@localhost",
        seq: 1,
        at: new DateTime(1),
        from: "x@localhost",
        kind: "message",
        body: "hi",
      }),
    );
    peer.write(
      encodeMessageFrame({
        type: "subscribed",
        topic: "#a@localhost",
        seq: 3,
        ref: ra!.ref as number,
      }),
    );
    peer.write(
      encodeMessageFrame({
        type: "subscribed",
        topic: "#b@localhost",
        seq: 7,
        ref: rb!.ref as number,
      }),
    );
    expect(await a).toMatchObject({ topic: "#a@localhost", seq: 3 });
    expect(await b).toMatchObject({ topic: "#b@localhost", seq: 7 });
    expect(events).toHaveLength(1);
    connection.close();
  });

  test("a reply out of turn, or one that answers no request, breaks the link", async () => {
    const first = await rawPair();
    const a = first.connection.request({ type: "subscribe", topic: "#a" });
    const b = first.connection.request({ type: "subscribe", topic: "#b" });
    await first.until(2);
    // Replies come in request order (protocol §4): the second's ref first is a lie.
    first.peer.write(
      encodeMessageFrame({
        type: "subscribed",
        topic: "#b@localhost",
        seq: 7,
        ref: first.received[1]!.ref as number,
      }),
    );
    expect(await a.catch((e) => e)).toBeInstanceOf(ConnectionClosedError);
    expect(await b.catch((e) => e)).toBeInstanceOf(ConnectionClosedError);
    expect(first.closed()?.message).toBe(
      "the server sent a subscribed reply with ref 2 that answers no request (waiting for ref 1, subscribe)",
    );

    const second = await rawPair();
    second.peer.write(
      encodeMessageFrame({ type: "subscribed", topic: "#x@localhost", seq: 1, ref: 99 }),
    );
    await second.connection.request({ type: "ping", at: DateTime.now() }).catch(() => {});
    expect(second.connection.isOpen).toBe(false);
    expect(second.closed()?.message).toBe(
      "the server sent a subscribed reply with ref 99 that answers no request (waiting for ref 1, ping)",
    );
  });

  test("a request without a reply within its deadline breaks the link", async () => {
    const clock = new ManualClock();
    let peer!: MemoryPeer;
    const network = new MemoryNetwork((p) => {
      peer = p;
      p.onData = () => {};
    });
    let closed: Error | undefined;
    const connection = await Connection.open(network.dialer, {
      clock,
      requestTimeout: 20_000,
      onEvent: () => {},
      onClose: (reason) => {
        closed = reason;
      },
    });
    const identify = connection.request({ type: "identify", id: "bot" });
    // A server that pings but never answers keeps no request alive.
    clock.advance(15_000);
    peer.write(encodeMessageFrame({ type: "ping", at: DateTime.now() }));
    expect(connection.isOpen).toBe(true);
    clock.advance(5_000);
    expect(await identify.catch((e) => e)).toBeInstanceOf(ConnectionClosedError);
    expect(closed?.message).toBe("no reply to identify within 20 s: the server is stuck");
  });

  test("an error reply rejects with its code; a fatal push closes with it", async () => {
    const { connection, peer, received, until, closed } = await rawPair();
    const sent = connection.request({ type: "message", to: "#a", body: "x" });
    await until(1);
    peer.write(
      encodeMessageFrame({
        type: "error",
        code: "not_subscribed",
        message: "subscribe first",
        fatal: false,
        ref: received[0]!.ref as number,
      }),
    );
    const error = await sent.catch((e) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error.code).toBe("not_subscribed");
    const pending = connection.request({ type: "ping", at: DateTime.now() });
    peer.write(
      encodeMessageFrame({ type: "error", code: "shutdown", message: "bye", fatal: true }),
    );
    peer.close();
    const reason = await pending.catch((e) => e);
    expect(reason).toBeInstanceOf(RequestError);
    expect(reason.code).toBe("shutdown");
    expect(closed()?.message).toContain("shutdown");
  });

  test("a server ping is answered with a pong carrying the same at", async () => {
    const { peer, received, until } = await rawPair();
    peer.write(encodeMessageFrame({ type: "ping", at: new DateTime(1700000000.123456) }));
    await until(1);
    expect(received[0]).toMatchObject({ type: "pong" });
    expect((received[0] as { at: DateTime }).at.seconds).toBe(1700000000.123456);
  });

  test("bad bytes from the server close the connection; pending requests reject", async () => {
    const { connection, peer } = await rawPair();
    const pending = connection.request({ type: "topics" });
    peer.write(Uint8Array.of(0, 0));
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.message).toContain("bad data from the server");
  });
});
