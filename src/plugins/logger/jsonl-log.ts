/**
 * The logger's bookkeeping for one bot: which topic+epoch+seq is logged,
 * which day file a line goes in, and what happens when the disk fails.
 *
 * A failed write (or open, or read-back) leaves no torn line (files.ts), is
 * said once, and stops all writing: events handled meanwhile are not
 * logged. The next checkpoint's `sync` throws that failure, so the bot
 * saves no cursor, rewinds to the saved ones and reconnects; the logger
 * stays quiet until the new connection (`reconnected`), when the events
 * come again from history and are written, those logged already skipped.
 * Waiting for the new connection keeps out events the old one still had in
 * flight, which would otherwise land after the ones left out.
 */
import { join } from "node:path";
import type { Log } from "../../bot/index.ts";
import { defaultFs, LogFileError, type LogFs, TopicFile } from "./files.ts";
import { ArchiveKeeper } from "./keeper.ts";
import {
  alreadyReset,
  covers,
  eventLine,
  gapLine,
  type LoggedEvent,
  type LoggedGap,
  type LoggedReset,
  type Position,
  resetLine,
  topicFolder,
  utcDay,
} from "./lines.ts";
import { recoverPosition } from "./recover.ts";

export interface JsonlLogOptions {
  /** fsync the lines in `sync` (default true). */
  fsync?: boolean;
  /** The file functions (node:fs by default; tests fail them on purpose). */
  fs?: LogFs;
  /** Where a failure is said (the plugin's log). */
  log?: Log;
  /** Keep the archive's index in step with the files (default true). */
  index?: boolean;
  /** Delete day files older than this many ms, with their index rows. */
  retainMs?: number;
}

interface TopicState {
  position: Position;
  /** The position when its lines were last all durable (fsync'ed). */
  synced: Position;
  /** The newest day file: no line goes in an older one, so the newest file's last line is the position. */
  day: string | undefined;
  file: TopicFile | undefined;
}

type Mode =
  | { type: "writing" }
  /** A write failed: nothing is written until `sync` has thrown `error`. */
  | { type: "failed"; error: LogFileError }
  /** `sync` threw: nothing is written until the bot's next connection. */
  | { type: "rewinding" };

const quiet: Log = { info() {}, warn() {}, error() {} };

export class JsonlLog {
  private readonly topics = new Map<string, TopicState>();
  private readonly fs: LogFs;
  private readonly fsync: boolean;
  private readonly log: Log;
  private mode: Mode = { type: "writing" };
  /** The last failure said, until a line is written again: the same one is not said twice. */
  private said: { path: string; reason: string } | undefined;
  /** Folder names, the index and retention (keeper.ts). */
  private readonly keeper: ArchiveKeeper;

  constructor(
    readonly dir: string,
    options: JsonlLogOptions = {},
  ) {
    this.fs = options.fs ?? defaultFs;
    this.fsync = options.fsync ?? true;
    this.log = options.log ?? quiet;
    this.fs.mkdirSync(dir, { recursive: true });
    this.keeper = new ArchiveKeeper(dir, {
      log: this.log,
      ...(options.index === undefined ? {} : { index: options.index }),
      ...(options.retainMs === undefined ? {} : { retainMs: options.retainMs }),
    });
  }

  /** False between a failure and the bot's next connection after `sync` threw it. */
  get writing(): boolean {
    return this.mode.type === "writing";
  }

  /** Where `topic` is logged up to (read back from its files the first time). */
  lastLogged(topic: string): Position {
    return this.state(topic).position;
  }

  /** Writes the event unless it is logged already or writing is held; returns whether it wrote. */
  event(ctx: LoggedEvent): boolean {
    return this.write(ctx.topic, (state) => {
      if (covers(state.position, ctx.epoch, ctx.seq)) return undefined;
      const day = utcDay(ctx.at);
      return {
        line: eventLine(ctx),
        day: state.day !== undefined && state.day > day ? state.day : day,
        position: { epoch: ctx.epoch, seq: ctx.seq },
      };
    });
  }

  /** Writes a gap line unless its range is logged already. */
  gap(ctx: LoggedGap, now = new Date()): boolean {
    return this.write(ctx.topic, (state) => {
      if (covers(state.position, ctx.epoch, ctx.to)) return undefined;
      return {
        line: gapLine(ctx),
        day: state.day ?? utcDay(now),
        position: { epoch: ctx.epoch, seq: ctx.to },
      };
    });
  }

  /** Writes a reset marker unless the logger follows the new numbering already. */
  reset(ctx: LoggedReset, now = new Date()): boolean {
    return this.write(ctx.topic, (state) => {
      if (alreadyReset(state.position, ctx)) return undefined;
      return {
        line: resetLine(ctx, now),
        day: state.day ?? utcDay(now),
        position: { epoch: ctx.epoch, seq: 0 },
      };
    });
  }

  /**
   * Makes every line written so far durable (when fsync is on); throws a
   * write failure not thrown yet, or an fsync failure, so the bot keeps
   * its cursors back and hands the events on again.
   */
  sync(): void {
    if (this.mode.type === "failed") {
      const { error } = this.mode;
      this.mode = { type: "rewinding" };
      throw error;
    }
    let failure: LogFileError | undefined;
    for (const [topic, state] of this.topics) {
      try {
        this.syncTopic(topic, state);
      } catch (error) {
        failure ??= this.report(error, topic);
      }
    }
    // What is durable now goes in the index, also when another file failed.
    this.keeper.checkpoint();
    if (failure !== undefined) {
      this.mode = { type: "rewinding" };
      throw failure;
    }
  }

  /** The bot is connected again: what it hands on from now on is in order after what was logged. */
  reconnected(): void {
    if (this.mode.type === "rewinding") this.mode = { type: "writing" };
  }

  close(): void {
    let failure: unknown;
    for (const [topic, state] of this.topics) {
      try {
        this.syncTopic(topic, state);
      } catch (error) {
        failure ??= this.report(error, topic);
      }
      state.file?.close();
      state.file = undefined;
    }
    this.keeper.close();
    if (failure !== undefined) throw failure;
  }

  private state(topic: string): TopicState {
    let state = this.topics.get(topic);
    if (state === undefined) {
      const { position, day } = recoverPosition(this.fs, join(this.dir, topicFolder(topic)));
      state = { position, synced: position, day, file: undefined };
      this.topics.set(topic, state);
      this.keeper.topicStarted(topic);
    }
    return state;
  }

  private write(
    topic: string,
    plan: (state: TopicState) => { line: object; day: string; position: Position } | undefined,
  ): boolean {
    if (this.mode.type !== "writing") return false;
    let state: TopicState | undefined;
    let planned: ReturnType<typeof plan>;
    try {
      state = this.state(topic);
      planned = plan(state);
      if (planned === undefined) return false;
      this.fileFor(topic, state, planned.day).append(JSON.stringify(planned.line));
    } catch (error) {
      const failure = this.report(error, topic);
      if (failure.kept && failure.code === "write_failed" && state && planned) {
        this.advance(state, planned.position);
      }
      this.mode = { type: "failed", error: failure };
      return false;
    }
    this.advance(state, planned.position);
    if (this.said !== undefined) {
      this.log.info(`writing ${state.file?.path ?? this.dir} again`);
      this.said = undefined;
    }
    return true;
  }

  private advance(state: TopicState, position: Position): void {
    state.position = position;
    if (!this.fsync) state.synced = position;
  }

  /** The topic's file for `day`; the previous one is fsync'ed and closed first. */
  private fileFor(topic: string, state: TopicState, day: string): TopicFile {
    if (state.file?.day === day) return state.file;
    if (state.file !== undefined) {
      this.syncTopic(topic, state);
      state.file.close();
      state.file = undefined;
    }
    state.file = TopicFile.open(this.fs, join(this.dir, topicFolder(topic)), day);
    if (state.day === undefined || day > state.day) state.day = day;
    return state.file;
  }

  private syncTopic(topic: string, state: TopicState): void {
    const file = state.file;
    if (file === undefined) return;
    if (!this.fsync) {
      this.keeper.durable(topic, file.day, file.path, file.length, file.takeWritten(file.length));
      return;
    }
    try {
      file.sync();
    } catch (error) {
      // Cut back to the last durable line: those after it are written again.
      if (error instanceof LogFileError && !error.kept) state.position = state.synced;
      throw error;
    } finally {
      // Never more than the fsync made durable (after a failure: what the one before did).
      const durable = file.durableLength;
      this.keeper.durable(topic, file.day, file.path, durable, file.takeWritten(durable));
    }
    state.synced = state.position;
  }

  /** Says a failure once (not again while the same one repeats); returns it as a `LogFileError`. */
  private report(error: unknown, topic: string): LogFileError {
    const failure =
      error instanceof LogFileError ? error : new LogFileError("write_failed", this.dir, error);
    const { path, reason } = failure;
    if (this.said?.path !== path || this.said.reason !== reason) {
      this.log.error(
        `${failure.message}. Nothing more is written until the bot has gone back to its saved cursors and hands the events of ${topic} and its other topics on again`,
      );
      this.said = { path, reason };
    }
    return failure;
  }
}
