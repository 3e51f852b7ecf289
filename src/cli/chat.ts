/**
 * `scalar chat`: a person at a terminal on one connection. Lines typed go
 * to the current topic; the channels' events, direct messages and the
 * server's refusals are shown as they arrive, above the line being typed
 * (which is kept and redrawn). Slash commands: chat-input.ts. The session
 * ends with /quit, Ctrl-D, Ctrl-C or SIGTERM (status 0), or when the
 * connection ends (status 1): there is no reconnect.
 */
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import { systemClock } from "../client/clock.ts";
import { Connection } from "../client/connection.ts";
import { describeCause, RequestError } from "../client/errors.ts";
import { splitText } from "../client/split-text.ts";
import { tcpDialer } from "../client/tcp-transport.ts";
import {
  type EventFrame,
  parseName,
  type SentReply,
  shortName,
  type WelcomeReply,
} from "../protocol/index.ts";
import { CHAT_HELP, type ChatAction, parseChatLine } from "./chat-input.ts";
import type { ClientFlags } from "./commands.ts";
import { fail } from "./exit.ts";
import { clockTime } from "./runner.ts";
import { formatTailLine } from "./tail.ts";

/** Sends retried while the server says `rate_limited` (protocol §5 Limits). */
const MAX_RATE_RETRIES = 20;

/** The terminal side: lines out, typed lines in, the prompt kept below what is printed. */
class Screen {
  readonly rl: Interface;
  private readonly tty: boolean;
  private closed = false;

  constructor() {
    this.tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
    this.rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: this.tty,
      prompt: "",
    });
  }

  /** A line above the prompt; what is being typed is redrawn after it. */
  print(line: string): void {
    if (!this.tty || this.closed) {
      process.stdout.write(`${line}\n`);
      return;
    }
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    process.stdout.write(`${line}\n`);
    this.rl.prompt(true);
  }

  setPrompt(prompt: string): void {
    if (this.closed) return;
    this.rl.setPrompt(prompt);
    if (this.tty) this.rl.prompt(true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rl.close();
  }

  /** Takes the line just entered off the screen: what it did is shown instead (the server's copy of a message). */
  eraseEntered(): void {
    if (this.tty) process.stdout.write("\x1b[1A\x1b[2K\r");
  }
}

class ChatSession {
  private current: string | undefined;
  private readonly joined = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private quitting = false;

  constructor(
    private readonly connection: Connection,
    private readonly welcome: WelcomeReply,
    private readonly screen: Screen,
  ) {}

  private get me(): string {
    return this.welcome.id;
  }

  private short(name: string): string {
    return shortName(name, this.welcome.server);
  }

  private full(name: string): string {
    return parseName(name, this.welcome.server).full;
  }

  private updatePrompt(): void {
    this.screen.setPrompt(`${this.current === undefined ? "" : this.short(this.current)}> `);
  }

  /** Every event pushed to the connection: its channels, its own ID (DMs), the wall. */
  show(event: EventFrame): void {
    const topic = event.topic === this.me ? "[dm]" : this.short(event.topic);
    const line = formatTailLine({ ...event, topic, at: event.at.toDate() }, this.welcome.server);
    this.screen.print(line);
  }

  info(text: string): void {
    this.screen.print(`-- ${text}`);
  }

  problem(text: string): void {
    this.screen.print(`! ${text}`);
  }

  /** Lines are handled one at a time, in the order typed. */
  enqueue(line: string): void {
    const action = parseChatLine(line, this.welcome.server);
    if (action.type !== "nothing") this.screen.eraseEntered();
    this.queue = this.queue.then(() => this.handle(action)).catch((error) => this.report(error));
  }

  /** Ends the session once what was typed before has been sent (EOF, a signal). */
  async quit(): Promise<void> {
    if (this.quitting) return;
    await this.queue;
    this.end();
  }

  /** Ends the session now (/quit: the lines before it are done, being handled in order). */
  private end(): void {
    this.quitting = true;
    this.connection.close("the user quit");
    this.screen.close();
    process.exit(0);
  }

  get isQuitting(): boolean {
    return this.quitting;
  }

  /** Joins the topics given; lines typed meanwhile wait behind it. */
  begin(topics: string[]): void {
    this.queue = this.start(topics).catch((error) => this.report(error));
  }

  private async start(topics: string[]): Promise<void> {
    for (const topic of topics) {
      if (parseName(topic, this.welcome.server).kind !== "channel") continue;
      await this.join(topic).catch((error) => this.report(error));
    }
    this.current = topics.length > 0 ? this.full(topics[0]!) : undefined;
    if (this.current === undefined) this.info("no topic yet: /join #topic, or /to id for DMs");
    this.updatePrompt();
  }

  private async handle(action: ChatAction): Promise<void> {
    switch (action.type) {
      case "nothing":
        return;
      case "invalid":
        return this.problem(action.message);
      case "help":
        for (const line of CHAT_HELP) this.screen.print(`   ${line}`);
        return;
      case "quit":
        return this.end();
      case "join":
        await this.join(action.topic);
        this.current = this.full(action.topic);
        this.updatePrompt();
        return;
      case "leave":
        return this.leave(action.topic);
      case "to": {
        const full = this.full(action.topic);
        this.current = full;
        const channel = full.startsWith("#");
        const note =
          channel && !this.joined.has(full)
            ? ` (not joined: /join ${this.short(full)} to talk there)`
            : "";
        this.info(`talking ${channel ? "in" : "to"} ${this.short(full)}${note}`);
        this.updatePrompt();
        return;
      }
      case "dm":
        return this.say(this.full(action.to), action.text);
      case "say":
        if (this.current === undefined)
          return this.problem("no current topic: /join #topic or /to id first");
        return this.say(this.current, action.text);
    }
  }

  private async join(topic: string): Promise<void> {
    const reply = await this.connection.request({ type: "subscribe", topic });
    this.joined.add(reply.topic);
    this.info(`joined ${this.short(reply.topic)}`);
  }

  private async leave(topic: string | undefined): Promise<void> {
    const target = topic === undefined ? this.current : this.full(topic);
    if (target === undefined || !target.startsWith("#")) {
      return this.problem("/leave needs a channel: /leave #topic");
    }
    await this.connection.request({ type: "unsubscribe", topic: target });
    this.joined.delete(target);
    if (this.current === target) this.current = [...this.joined][0];
    const next =
      this.current === undefined
        ? "/join or /to to talk again"
        : `talking in ${this.short(this.current)}`;
    this.info(`left ${this.short(target)}; ${next}`);
    this.updatePrompt();
  }

  /** A message (split to fit frames); a direct message is shown here, as the server sends the sender no copy. */
  private async say(topic: string, text: string): Promise<void> {
    for (const body of splitText(text)) {
      const sent = await this.send(topic, body);
      if (sent !== undefined && !topic.startsWith("#")) {
        const label = `[dm→${this.short(topic)}]`;
        const line = formatTailLine(
          { topic: label, from: this.me, kind: "message", body, at: sent.at.toDate() },
          this.welcome.server,
        );
        this.screen.print(line);
      }
    }
  }

  private async send(to: string, body: string): Promise<SentReply | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connection.request({ type: "message", to, body });
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        if (error.code === "rate_limited" && attempt < MAX_RATE_RETRIES) {
          const wait = Math.ceil(1000 / Math.max(1, this.welcome.limits.rate));
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        this.problem(`${this.short(to)}: ${error.code}: ${error.detail}`);
        return undefined;
      }
    }
  }

  /** A refused request is shown; a lost connection ends the session (onClose). */
  private report(error: unknown): void {
    if (error instanceof RequestError)
      this.problem(`${error.request}: ${error.code}: ${error.detail}`);
    else if (this.connection.isOpen) this.problem(describeCause(error));
  }
}

export async function chat(flags: ClientFlags & { as: string }, topics: string[]): Promise<void> {
  const address = `${flags.host}:${flags.port}`;
  const token = flags.token ?? process.env.SCALAR_TOKEN;
  let session: ChatSession | undefined;
  const early: EventFrame[] = [];
  let screen: Screen | undefined;
  let connection: Connection;
  try {
    connection = await Connection.open(tcpDialer(flags.host, flags.port), {
      clock: systemClock,
      keepalive: { interval: 30_000, timeout: 10_000 },
      requestTimeout: 20_000,
      onEvent: (event) => (session === undefined ? early.push(event) : session.show(event)),
      onClose: (reason) => {
        if (session?.isQuitting) return;
        const why = `${clockTime()} -- disconnected from ${address}: ${describeCause(reason)}`;
        if (screen === undefined) process.stderr.write(`${why}\n`);
        else screen.print(why);
        screen?.close();
        process.exit(1);
      },
    });
  } catch (error) {
    fail(`scalar chat: ${describeCause(error)}`);
  }
  let welcome: WelcomeReply;
  try {
    welcome = await connection.request({
      type: "identify",
      id: flags.as,
      ...(token === undefined ? {} : { token }),
      agent: "scalar-chat",
    });
  } catch (error) {
    const why =
      error instanceof RequestError ? `${error.code}: ${error.detail}` : describeCause(error);
    fail(`scalar chat: ${address}: identify as ${flags.as}: ${why}`);
  }
  screen = new Screen();
  const live = new ChatSession(connection, welcome, screen);
  session = live;
  live.info(
    `connected to ${address} as ${shortName(welcome.id, welcome.server)} (server ${welcome.server}); /help lists the commands`,
  );
  if (welcome.motd !== undefined) live.info(welcome.motd);
  for (const event of early.splice(0)) live.show(event);
  live.begin(topics);
  // Listening from the start: lines typed (or piped) ahead are queued behind the joins.
  screen.rl.on("line", (line) => live.enqueue(line));
  // Ctrl-D (end of input), Ctrl-C at the terminal, SIGINT/SIGTERM from elsewhere.
  screen.rl.on("close", () => void live.quit());
  screen.rl.on("SIGINT", () => void live.quit());
  process.once("SIGINT", () => void live.quit());
  process.once("SIGTERM", () => void live.quit());
}
