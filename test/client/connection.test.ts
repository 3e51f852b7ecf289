import { describe, expect, test } from "bun:test";
import { systemClock } from "../../src/client/clock.ts";
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
    // Out of order on purpose: the ref decides.
    peer.write(
      encodeMessageFrame({
        type: "subscribed",
        topic: "#b@localhost",
        seq: 7,
        ref: rb!.ref as number,
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
    expect(await a).toMatchObject({ topic: "#a@localhost", seq: 3 });
    expect(await b).toMatchObject({ topic: "#b@localhost", seq: 7 });
    expect(events).toHaveLength(1);
    connection.close();
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
