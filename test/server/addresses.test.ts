import { afterAll, describe, expect, test } from "bun:test";
import { addressKey } from "../../src/server/addresses.ts";
import { captureLogger, ServerPool, TestClient } from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

describe("addressKey", () => {
  test("IPv4 as it is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64", () => {
    expect(addressKey("127.0.0.1")).toBe("127.0.0.1");
    expect(addressKey("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("2001:DB8:0:42::1")).toBe("2001:db8:0:42::/64");
    expect(addressKey("2001:db8:0:42:ffff:1:2:3")).toBe("2001:db8:0:42::/64");
    expect(addressKey("2001:0db8:0000:0042:0:0:0:9")).toBe("2001:db8:0:42::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
    // Not an address: counted as it is.
    expect(addressKey("2001:::1")).toBe("2001:::1");
  });
});

describe("connections per address", () => {
  test("past the limit one address gets busy; others still connect; closing frees a slot", async () => {
    const capture = captureLogger();
    const s = await pool.start({ maxConnectionsPerAddress: 3, log: capture.logger });
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await pool.client(s, `host${i}`));
    const extra = await pool.client(s);
    const refused = await extra.nextReply();
    expect(refused).toMatchObject({ type: "error", code: "busy", fatal: true });
    expect(refused.message).toContain("127.0.0.1");
    await extra.closed;
    // Another address (Linux routes all of 127/8 to loopback) is not held back.
    const other = await TestClient.connect(s.port, "127.0.0.2");
    expect(await other.request({ type: "identify", id: "elsewhere" })).toMatchObject({
      type: "welcome",
    });
    await other.close();
    const serial = (await capture.waitFor("identified", (r) => r.fields.id === "host0@example.com"))
      .fields.conn;
    await held[0]!.close();
    await capture.waitFor("close", (r) => r.fields.conn === serial);
    // Freed: the next connection from 127.0.0.1 is served.
    const again = await pool.client(s, "again");
    expect(await again.request({ type: "subscribe", topic: "#ok" })).toMatchObject({
      type: "subscribed",
    });
  });

  test("the default lets 1024 connections in from one address", async () => {
    const s = await pool.start();
    const clients: TestClient[] = [];
    // In batches the listen queue holds (an overflowed one retries a SYN a second later).
    for (let batch = 0; batch < 8; batch++) {
      clients.push(
        ...(await Promise.all(Array.from({ length: 128 }, () => TestClient.connect(s.port)))),
      );
    }
    // Accepted after all the others (the listen queue keeps its order).
    const last = await TestClient.connect(s.port);
    expect(await last.nextReply()).toMatchObject({ code: "busy", fatal: true });
    await last.closed;
    expect(clients.some((c) => c.isClosed)).toBe(false);
    for (const c of clients) c.socket.destroy();
  });
});
