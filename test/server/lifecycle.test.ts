import { heapStats } from "bun:jsc";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToken, makeTokenHash } from "../../src/server/index.ts";
import { captureLogger, type Frame, ServerPool, TestClient } from "./client.ts";

const pool = new ServerPool();
const dir = mkdtempSync(join(tmpdir(), "scalar-server-"));
afterAll(async () => {
  await pool.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const hex = (token: string) => Buffer.from(hashToken(token)).toString("hex");

describe("sqlite history", () => {
  test("events and seq counters survive a restart", async () => {
    const history = `sqlite:${join(dir, "history.db")}` as const;
    const first = await pool.start({ history, rate: 1000, burst: 1000 });
    const a = await pool.client(first, "keeper");
    await a.request({ type: "subscribe", topic: "#kept" });
    const join1 = await a.nextEvent();
    for (let i = 0; i < 5; i++) await a.request({ type: "message", to: "#kept", body: `m${i}` });
    await a.request({ type: "message", to: "keeper", body: "dm" });
    const live: Frame[] = [];
    for (let i = 0; i < 6; i++) live.push(await a.nextEvent());
    await first.stop();

    const second = await pool.start({ history, rate: 1000, burst: 1000 });
    const b = await pool.client(second, "keeper");
    // The topic continues where it was: the join after restart is seq 7.
    expect(await b.request({ type: "subscribe", topic: "#kept" })).toMatchObject({ seq: 6 });
    expect(await b.nextEvent()).toMatchObject({ kind: "join", seq: 7 });
    expect(await b.request({ type: "message", to: "#kept", body: "after" })).toMatchObject({
      seq: 8,
    });
    const page = await b.request({ type: "history", topic: "#kept", after: 0 });
    const events = page.events as Frame[];
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events[0]).toEqual(join1);
    expect(events.slice(1, 6)).toEqual(live.slice(0, 5));
    const last = await b.request({ type: "history", topic: "#kept", last: 3, limit: 2 });
    expect((last.events as Frame[]).map((e) => e.seq)).toEqual([6, 7]);
    expect(last.more).toBe(true);
    const dms = await b.request({ type: "history", topic: "keeper", since: live[5]!.at });
    expect((dms.events as Frame[]).map((e) => e.body)).toEqual(["dm"]);
    // A channel with retained messages is listed with nobody in it.
    await b.request({ type: "unsubscribe", topic: "#kept" });
    expect(await b.request({ type: "topics" })).toMatchObject({
      total: 1,
      topics: [{ topic: "#kept@example.com", subscribers: 0 }],
    });
  });
});

describe("token mode", () => {
  test("IDs need their token; admin rights come with it", async () => {
    const file = join(dir, "tokens");
    writeFileSync(
      file,
      `# tokens\nboss ${await makeTokenHash("s3cret")}\nuser@example.com  sha256:${hex("pw")}\n`,
    );
    const s = await pool.start({ tokens: file, admins: ["boss"] });
    const c = await pool.client(s);
    expect(await c.request({ type: "identify", id: "boss" })).toMatchObject({
      code: "auth_failed",
    });
    expect(await c.request({ type: "identify", id: "boss", token: "wrong" })).toMatchObject({
      code: "auth_failed",
    });
    const other = await pool.client(s);
    expect(await other.request({ type: "identify", id: "nobody", token: "pw" })).toMatchObject({
      code: "auth_failed",
    });
    expect(
      await c.request({ type: "identify", id: "boss", token: new TextEncoder().encode("s3cret") }),
    ).toMatchObject({
      type: "welcome",
      id: "boss@example.com",
    });
    expect(await c.request({ type: "message", to: "!wall", body: "hi" })).toMatchObject({
      type: "sent",
    });
    const u = await pool.client(s, "user", { token: "pw" });
    expect(await u.request({ type: "message", to: "!wall", body: "hi" })).toMatchObject({
      code: "forbidden",
    });
  });

  test("a map of hashes works too; a bad file is refused at start", async () => {
    const s = await pool.start({ tokens: new Map([["m", `sha256:${hex("t")}`]]) });
    const c = await pool.client(s);
    expect(await c.request({ type: "identify", id: "m", token: "t" })).toMatchObject({
      type: "welcome",
    });
    const bad = join(dir, "bad-tokens");
    writeFileSync(bad, "someone plaintext\n");
    await expect(pool.start({ tokens: bad })).rejects.toThrow(/line 1/);
  });
});

describe("shutdown", () => {
  test("every connection gets shutdown and no leave is published", async () => {
    const s = await pool.start();
    const a = await pool.client(s, "sa");
    const b = await pool.client(s, "sb");
    await a.request({ type: "subscribe", topic: "#bye" });
    await b.request({ type: "subscribe", topic: "#bye" });
    const stopped = s.stop();
    for (const c of [a, b]) {
      const frames: Frame[] = [];
      for (;;) {
        try {
          frames.push(await c.next());
        } catch {
          break;
        }
      }
      expect(frames.at(-1)).toMatchObject({ type: "error", code: "shutdown", fatal: true });
      expect(frames.filter((f) => f.kind === "leave")).toEqual([]);
    }
    await stopped;
    expect(s.connectionCount()).toBe(0);
  });
});

test("no leak over many connect/close cycles", async () => {
  const capture = captureLogger();
  const s = await pool.start({ log: capture.logger });
  let opened = 0;
  const closes = () => capture.records.filter((r) => r.event === "close").length;
  const cycle = async (i: number) => {
    const c = await TestClient.identified(s.port, `leak${i % 7}`);
    opened++;
    await c.request({ type: "subscribe", topic: `#leak${i % 3}` });
    await c.close();
  };
  // Waits for the server to have seen every close, then collects.
  const settle = async () => {
    const expected = opened;
    await capture.waitFor("close", () => closes() >= expected);
    Bun.gc(true);
    return heapStats().objectTypeCounts;
  };
  for (let i = 0; i < 50; i++) await cycle(i);
  const before = await settle();
  for (let i = 0; i < 300; i++) await cycle(i);
  const after = await settle();
  expect(s.connectionCount()).toBe(0);
  // 300 cycles make 600 sockets (both ends): a leak would show hundreds.
  expect(before.TCPSocket).toBeGreaterThan(0);
  expect(after.TCPSocket ?? 0).toBeLessThanOrEqual((before.TCPSocket ?? 0) + 30);
});

describe("CLI", () => {
  const cli = join(import.meta.dir, "..", "..", "src", "cli.ts");

  /** Spawns the server command and waits for its `listening` line. */
  async function spawnServer(command: string[]) {
    const proc = Bun.spawn(command, { stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    return { proc, out };
  }

  test("prints `listening on HOST:PORT`, serves, and exits 0 on SIGTERM", async () => {
    const { proc, out } = await spawnServer([
      "bun",
      cli,
      "server",
      "--port",
      "0",
      "--domain",
      "cli.test",
      "--motd",
      "hi",
    ]);
    const match = /^listening on 127\.0\.0\.1:(\d+)\n$/.exec(out);
    expect(match).not.toBeNull();
    const c = await TestClient.connect(Number(match![1]));
    expect(await c.request({ type: "identify", id: "x" })).toMatchObject({
      id: "x@cli.test",
      motd: "hi",
    });
    proc.kill("SIGTERM");
    expect(await c.nextReply()).toMatchObject({ code: "shutdown" });
    expect(await proc.exited).toBe(0);
  });

  const taskset = Bun.which("taskset");
  test.skipIf(process.platform !== "linux" || taskset === null)(
    "on a single core it restarts itself, same PID, with the engine settings unless told not to",
    async () => {
      const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      for (const [extra, tuned] of [
        [[], true],
        [["--no-engine-tuning"], false],
      ] as const) {
        const { proc, out } = await spawnServer([
          taskset!,
          "-c",
          "0",
          "bun",
          cli,
          "server",
          "--port",
          "0",
          ...extra,
        ]);
        expect(out).toStartWith("listening on ");
        const environ = environOf(proc.pid);
        expect(environ.includes("BUN_JSC_useConcurrentGC=0")).toBe(tuned);
        expect(environ.includes("BUN_JSC_useFTLJIT=0")).toBe(tuned);
        proc.kill("SIGTERM");
        expect(await proc.exited).toBe(0);
      }
    },
  );

  test("a bad flag or value exits 2 with a one-line error naming it", async () => {
    for (const args of [
      ["--port", "70000"],
      ["--history", "disk"],
      ["--bogus"],
      ["--admin", "#chan"],
    ]) {
      const proc = Bun.spawn(["bun", cli, "server", ...args], { stdout: "pipe", stderr: "pipe" });
      expect(await proc.exited).toBe(2);
      const err = await new Response(proc.stderr).text();
      expect(err.split("\n")[0]).toContain(args[0]!);
    }
  });
});
