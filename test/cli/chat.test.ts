/**
 * `scalar chat` in a real terminal (tmux), through the package's launcher,
 * against the harness's server; bob is a harness user on the other side.
 * Also: lines piped in without a terminal, and what a typed line means.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseChatLine } from "../../src/cli/chat-input.ts";
import { silentLogger, startServer } from "../../src/server/index.ts";
import { createHarness, type Harness, type TestUser } from "../../src/testing/index.ts";
import { LAUNCHER, ROOT } from "./project.ts";
import { Pane, TMUX } from "./tmux.ts";

let h: Harness;
let bob: TestUser;
const panes: Pane[] = [];

beforeAll(async () => {
  h = await createHarness({ bots: [] });
  bob = await h.user("bob");
  await bob.join("#general");
});

afterAll(async () => {
  for (const pane of panes) await pane.close();
  await h.close();
});

function chatArgs(...topics: string[]): string[] {
  return ["node", LAUNCHER, "chat", "--as", "alice", "--port", String(h.server.port), ...topics];
}

async function startChat(...topics: string[]): Promise<Pane> {
  const pane = await Pane.start(chatArgs(...topics), ROOT);
  panes.push(pane);
  return pane;
}

// Without tmux the terminal tests skip, loudly, so `npm test` passes on a
// machine with only Node and npm; in CI (CI=true) they must run: .ci/run installs it.
test("tmux is installed where the terminal tests must run", () => {
  if (TMUX !== null) return;
  const message =
    "*** tmux is not installed: the scalar chat terminal tests do not run (apt-get install -y tmux) ***";
  if (process.env.CI === "true")
    throw new Error(`${message} In CI they must run: .ci/run installs tmux.`);
  console.warn(`\n${message}\n`);
});

describe.skipIf(TMUX === null)("scalar chat in a terminal", () => {
  let pane: Pane;

  test("joins its topics and shows the channel as it happens", async () => {
    pane = await startChat("#general");
    await pane.waitFor("-- joined #general");
    await bob.expectMessage({ kind: "join", from: "alice", topic: "#general" });
    expect(await pane.screen()).toContain("connected to 127.0.0.1:");
    await bob.say("#general", "hi alice");
    await pane.waitFor(/\d\d:\d\d:\d\d #general <bob> hi alice/);
    await pane.waitForCursorLine("#general>");
  });

  test("a typed line goes to the current topic; the screen shows the server's copy", async () => {
    await pane.line("hello bob");
    await bob.expectMessage({ from: "alice", topic: "#general", body: "hello bob" });
    const screen = await pane.waitFor("#general <alice> hello bob");
    expect(screen).not.toContain("#general> hello bob");
  });

  test("what arrives while a line is typed goes above it, and the typing goes on", async () => {
    await pane.type("half a");
    await pane.waitFor("#general> half a");
    await bob.say("#general", "interrupting");
    await pane.waitFor("<bob> interrupting");
    await pane.waitForCursorLine("#general> half a");
    await pane.line(" line");
    await bob.expectMessage({ from: "alice", body: "half a line" });
  });

  test("direct messages both ways: shown as [dm], sent with /dm", async () => {
    await bob.dm("alice", "psst");
    await pane.waitFor("[dm] <bob> psst");
    await pane.line("/dm bob a secret");
    await bob.expectMessage({ topic: "bob", from: "alice", body: "a secret" });
    await pane.waitFor("[dm→bob] <alice> a secret");
  });

  test("/join talks in the new channel, /leave goes back to the one before", async () => {
    await bob.join("#dev");
    await pane.line("/join #dev");
    await bob.expectMessage({ kind: "join", from: "alice", topic: "#dev" });
    await pane.waitFor("-- joined #dev");
    await pane.waitForCursorLine("#dev>");
    await pane.line("in dev");
    await bob.expectMessage({ from: "alice", topic: "#dev", body: "in dev" });
    await pane.line("/leave");
    await bob.expectMessage({ kind: "leave", from: "alice", topic: "#dev" });
    await pane.waitFor("-- left #dev; talking in #general");
    await pane.waitForCursorLine("#general>");
  });

  test("the server's refusals and mistyped commands are shown, and the session goes on", async () => {
    await pane.line("/to #nowhere");
    await pane.waitFor("-- talking in #nowhere (not joined: /join #nowhere to talk there)");
    await pane.line("lost words");
    await pane.waitFor(/! #nowhere: not_subscribed: .+/);
    await pane.line("/bogus");
    await pane.waitFor("! unknown command /bogus (/help lists them)");
    await pane.line("/to #general");
    await pane.line("still here");
    await bob.expectMessage({ from: "alice", topic: "#general", body: "still here" });
  });

  test("/quit ends the session with status 0; bob sees alice leave", async () => {
    await pane.line("/quit");
    await pane.waitFor("[exited 0]");
    await bob.expectMessage({ kind: "leave", from: "alice", topic: "#general" });
  });

  test("Ctrl-C ends it too, with status 0, and what was being typed is not sent", async () => {
    const other = await startChat("#general");
    await other.waitFor("-- joined #general");
    await other.type("never sent");
    await other.press("C-c");
    await other.waitFor("[exited 0]");
    await bob.expectNoMessage({ body: "never sent" });
  });

  test("so does Ctrl-D on an empty line", async () => {
    const other = await startChat("#general");
    await other.waitFor("-- joined #general");
    await other.press("C-d");
    await other.waitFor("[exited 0]");
  });

  test("a server that goes away ends it with status 1 and says why", async () => {
    const server = await startServer({ host: "127.0.0.1", port: 0, log: silentLogger });
    try {
      const pane = await Pane.start(
        ["node", LAUNCHER, "chat", "--as", "carol", "--port", String(server.port), "#x"],
        ROOT,
      );
      panes.push(pane);
      await pane.waitFor("-- joined #x");
      await server.stop();
      const screen = await pane.waitFor("[exited 1]");
      expect(screen).toMatch(/-- disconnected from 127\.0\.0\.1:\d+: .*shutdown/);
    } finally {
      await server.stop();
    }
  });
});

test("without a terminal: piped lines are sent in order, and the end of input quits", async () => {
  const proc = Bun.spawn(chatArgs("#general"), {
    cwd: ROOT,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  proc.stdin.write("piped one\n/dm bob piped two\npiped three\n");
  await proc.stdin.end();
  expect(await proc.exited).toBe(0);
  await bob.expectMessage({ topic: "#general", from: "alice", body: "piped one" });
  await bob.expectMessage({ topic: "bob", from: "alice", body: "piped two" });
  await bob.expectMessage({ topic: "#general", from: "alice", body: "piped three" });
  const output = await new Response(proc.stdout).text();
  expect(output).toContain("#general <alice> piped one");
  expect(output).toContain("[dm→bob] <alice> piped two");
});

test("SIGTERM to the launcher ends the session with status 0", async () => {
  const args = chatArgs("#general").map((a) => (a === "alice" ? "dave" : a));
  const proc = Bun.spawn(args, { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let output = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    output += decoder.decode(chunk, { stream: true });
    if (output.includes("-- joined #general")) break;
  }
  await bob.expectMessage({ kind: "join", from: "dave", topic: "#general" });
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  await bob.expectMessage({ kind: "leave", from: "dave", topic: "#general" });
});

describe("a typed line", () => {
  const parse = (line: string) => parseChatLine(line, "test.local");
  test("text, and // for text that starts with /", () => {
    expect(parse("hello")).toEqual({ type: "say", text: "hello" });
    expect(parse("//etc")).toEqual({ type: "say", text: "/etc" });
    expect(parse("   ")).toEqual({ type: "nothing" });
  });
  test("commands and their names", () => {
    expect(parse("/join #dev")).toEqual({ type: "join", topic: "#dev" });
    expect(parse("/leave")).toEqual({ type: "leave" });
    expect(parse("/leave #dev")).toEqual({ type: "leave", topic: "#dev" });
    expect(parse("/to bob")).toEqual({ type: "to", topic: "bob" });
    expect(parse("/dm bob two  words ")).toEqual({ type: "dm", to: "bob", text: "two  words " });
    expect(parse("/QUIT")).toEqual({ type: "quit" });
  });
  test("what is wrong with a command, said", () => {
    expect(parse("/join")).toEqual({ type: "invalid", message: "usage: /join #topic" });
    expect(parse("/join bob")).toEqual({
      type: "invalid",
      message: "/join takes a channel; /to bob talks to an ID",
    });
    expect(parse("/dm #dev hi")).toEqual({
      type: "invalid",
      message: "/dm takes an ID; just type to talk in a channel",
    });
    expect(parse("/to !wall")).toEqual({
      type: "invalid",
      message: "!wall is reserved: only admins write there",
    });
    expect(parse("/to Bad Name")).toEqual({ type: "invalid", message: "usage: /to #topic|id" });
    expect(parse("/nope")).toMatchObject({ message: "unknown command /nope (/help lists them)" });
  });
});
