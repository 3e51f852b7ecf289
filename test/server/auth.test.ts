import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { encodeCbor } from "../../src/protocol/index.ts";
import { loadTokens, makeTokenHash, parseTokens } from "../../src/server/auth.ts";
import {
  ADDRESS_FAILURE_BURST,
  ADDRESS_FAILURES_PER_MINUTE,
  Authenticator,
} from "../../src/server/authenticator.ts";
import { CONNECTION_REFUSALS } from "../../src/server/handlers/identify.ts";
import { hashToken } from "../../src/server/index.ts";
import { resolveOptions } from "../../src/server/options.ts";
import { startupWarnings } from "../../src/server/warnings.ts";
import { captureLogger, datetime, rawFrame, ServerPool } from "./client.ts";

const pool = new ServerPool();
afterAll(() => pool.stopAll());

const sha256Line = (token: string) => `sha256:${Buffer.from(hashToken(token)).toString("hex")}`;

describe("token files", () => {
  test("hashes are salted and slow; two hashes of one token differ; old SHA-256 lines still read", async () => {
    const a = await makeTokenHash("pw");
    const b = await makeTokenHash("pw");
    expect(a).not.toBe(b);
    expect(a).toStartWith("$argon2id$v=19$m=19456,t=2,p=1$");
    const table = parseTokens(`alice ${a}\nold ${sha256Line("pw")}\n`, "example.com");
    expect(table.get("alice@example.com")).toEqual({ kind: "slow", encoded: a });
    expect(table.get("old@example.com")?.kind).toBe("sha256");
  });

  test("a malformed or too costly hash is refused at load, naming its line", () => {
    expect(() => parseTokens("a $argon2id$v=19$broken\n", "x.org")).toThrow(/line 1/);
    expect(() =>
      parseTokens("# c\na $argon2id$v=19$m=1048576,t=2,p=1$c2FsdA$aGFzaA\n", "x.org"),
    ).toThrow(/line 2: the argon2 cost/);
    expect(() => loadTokens(new Map([["a", "plaintext"]]), "x.org")).toThrow(/line 1/);
  });

  test("`scalar hash-token ID` prints a line the server reads", async () => {
    const proc = Bun.spawn([process.execPath, "src/cli.ts", "hash-token", "carol"], {
      cwd: join(import.meta.dir, "../.."),
      stdin: new TextEncoder().encode("t0ken\n"),
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    const table = parseTokens(out, "example.com");
    const entry = table.get("carol@example.com");
    expect(entry?.kind).toBe("slow");
    if (entry?.kind !== "slow") throw new Error("unreachable");
    expect(await Bun.password.verify("t0ken", entry.encoded)).toBe(true);
  });
});

describe("Authenticator", () => {
  test("a slow check once, then a known token is recognised at once; unknown IDs are checked too", async () => {
    const table = parseTokens(`bot ${await makeTokenHash("right")}\n`, "x.org");
    const auth = new Authenticator(table, () => 0);
    const first = auth.verify("bot@x.org", "right", "10.0.0.1");
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(true);
    expect(auth.verify("bot@x.org", "right", "10.0.0.1")).toBe(true);
    // A wrong token is not the known one: checked again, slowly.
    const wrong = auth.verify("bot@x.org", "wrong", "10.0.0.1");
    expect(wrong).toBeInstanceOf(Promise);
    expect(await wrong).toBe(false);
    const unknown = auth.verify("ghost@x.org", "right", "10.0.0.1");
    expect(unknown).toBeInstanceOf(Promise);
    expect(await unknown).toBe(false);
  });

  test("failures are limited per address and come back with time; other addresses are not", async () => {
    let clock = 0;
    const table = parseTokens(`old ${sha256Line("right")}\n`, "x.org");
    const auth = new Authenticator(table, () => clock);
    for (let i = 0; i < ADDRESS_FAILURE_BURST; i++) {
      expect(auth.verify("old@x.org", `guess${i}`, "10.0.0.1")).toBe(false);
    }
    // Out of failures: not even the right token is checked.
    expect(auth.verify("old@x.org", "right", "10.0.0.1")).toBe("throttled");
    expect(auth.verify("old@x.org", "right", "10.0.0.2")).toBe(true);
    clock += 60_000 / ADDRESS_FAILURES_PER_MINUTE;
    expect(auth.verify("old@x.org", "right", "10.0.0.1")).toBe(true);
    expect(auth.addresses).toBe(1);
    clock += 60 * 60_000;
    auth.prune();
    expect(auth.addresses).toBe(0);
  });

  test("checks waiting their turn are refused once their address runs out of failures", async () => {
    const table = parseTokens(`bot ${await makeTokenHash("right")}\n`, "x.org");
    const auth = new Authenticator(table, () => 0);
    const guesses = Array.from({ length: 40 }, (_, i) =>
      auth.verify("bot@x.org", `guess${i}`, "10.0.0.9"),
    );
    const verdicts = await Promise.all(guesses);
    // Two run at a time: at most the burst plus those already running were checked.
    const checked = verdicts.filter((v) => v === false).length;
    expect(checked).toBeLessThanOrEqual(ADDRESS_FAILURE_BURST + 2);
    expect(verdicts.filter((v) => v === "throttled").length).toBe(40 - checked);
  });
});

describe("identify in token mode", () => {
  test("requests pipelined behind a slow check are answered in order", async () => {
    const s = await pool.start({ tokens: new Map([["fast", await makeTokenHash("pw")]]) });
    const c = await pool.client(s);
    const frames = [
      { type: "identify", id: "fast", token: "pw", ref: 1 },
      { type: "subscribe", topic: "#after", ref: 2 },
      { type: "message", to: "#after", body: "hi", ref: 3 },
      { type: "ping", at: datetime(0), ref: 4 },
    ].map((m) => rawFrame(encodeCbor(m)));
    c.sendRaw(Buffer.concat(frames));
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await c.nextReply());
    expect(replies.map((r) => [r.type, r.ref])).toEqual([
      ["welcome", 1],
      ["subscribed", 2],
      ["sent", 3],
      ["pong", 4],
    ]);
  });

  test("a connection is closed at its last allowed refused identify", async () => {
    const s = await pool.start({ tokens: new Map([["x", await makeTokenHash("pw")]]) });
    const c = await pool.client(s);
    for (let i = 1; i < CONNECTION_REFUSALS; i++) {
      expect(await c.request({ type: "identify", id: "x", token: "no", ref: i })).toMatchObject({
        code: "auth_failed",
        fatal: false,
        ref: i,
      });
    }
    expect(await c.request({ type: "identify", id: "x", token: "no", ref: 9 })).toMatchObject({
      code: "auth_failed",
      fatal: true,
      ref: 9,
    });
    await c.closed;
  });

  test("many wrong tokens from one address: after the burst, rate_limited, even for the right one", async () => {
    let clock = 1_000_000;
    const capture = captureLogger();
    const s = await pool.start({
      tokens: new Map([["y", sha256Line("pw")]]),
      now: () => clock,
      log: capture.logger,
    });
    const codes: string[] = [];
    for (let i = 0; i < ADDRESS_FAILURE_BURST + 2; i++) {
      const c = await pool.client(s);
      codes.push(
        (await c.request({ type: "identify", id: "y", token: `guess${i}` })).code as string,
      );
      await c.close();
    }
    expect(codes).toEqual([
      ...Array(ADDRESS_FAILURE_BURST).fill("auth_failed"),
      "rate_limited",
      "rate_limited",
    ]);
    const right = await pool.client(s);
    expect(await right.request({ type: "identify", id: "y", token: "pw" })).toMatchObject({
      code: "rate_limited",
    });
    clock += 60_000 / ADDRESS_FAILURES_PER_MINUTE;
    expect(await right.request({ type: "identify", id: "y", token: "pw" })).toMatchObject({
      type: "welcome",
    });
    expect(capture.records.some((r) => r.event === "unsalted_tokens" && r.level === "warn")).toBe(
      true,
    );
  });
});

describe("start-up warnings", () => {
  const admins = { admins: ["root"] };

  test("open mode with admins beyond loopback is warned about", () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.7"]) {
      const events = startupWarnings(resolveOptions({ host, ...admins })).map((w) => w.event);
      expect(events).toEqual(["open_admins"]);
    }
    for (const host of ["127.0.0.1", "::1", "localhost", "127.0.0.53"]) {
      expect(startupWarnings(resolveOptions({ host, ...admins }))).toEqual([]);
    }
    expect(startupWarnings(resolveOptions({ host: "0.0.0.0" }))).toEqual([]);
    const tokens = new Map([["root", sha256Line("t")]]);
    expect(
      startupWarnings(resolveOptions({ host: "0.0.0.0", tokens, ...admins })).map((w) => w.event),
    ).toEqual(["unsalted_tokens"]);
  });

  test("a server on loopback with admins starts without the warning", async () => {
    const capture = captureLogger();
    await pool.start({ ...admins, log: capture.logger });
    await capture.waitFor("listening");
    expect(capture.records.filter((r) => r.level === "warn")).toEqual([]);
  });
});
