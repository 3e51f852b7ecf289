import type { HistoryStore, Page, Selection, TopicRef, TopicState } from "./store.ts";

/** A store that reports its channels: what the server's `topics` list follows. */
export type WatchedHistoryStore = HistoryStore & {
  watchChannels: NonNullable<HistoryStore["watchChannels"]>;
};

type Listener = (channel: string, hasMessages: boolean) => void;

export interface ChannelWatchOptions {
  /** Appends between two checks against the store: this, or as many as it listed at the last, if more. */
  minAppends?: number;
  /** Milliseconds between checks while nothing is appended (a store may drop history by age). */
  intervalMs?: number;
}

/**
 * A store as it is when it reports its channels; one without
 * `watchChannels` wrapped in a {@link ChannelWatch}.
 */
export function withChannelWatch(
  store: HistoryStore,
  options?: ChannelWatchOptions,
): WatchedHistoryStore {
  return store.watchChannels !== undefined
    ? (store as WatchedHistoryStore)
    : new ChannelWatch(store, options);
}

/**
 * Gives a store that does not report its channels (`watchChannels`) the
 * reports the server's channel directory needs. A channel is reported as
 * soon as a message of it is appended; that the store let go of its last
 * message, only the store knows, so its `channelsWithMessages` is read
 * again after max(1024, as many as it listed last time) appends and once
 * a minute, and the channels missing from it are reported gone. The list
 * is thus never more than the channels the store kept at the last check
 * plus those appended to since (at most as many again, or 1024): ever-new
 * channel names cannot grow it past what the store itself keeps. A check
 * costs O(channels), once per as many appends.
 *
 * A check never runs between an append and its commit (a batching store
 * lists only what it committed); after a failed commit one runs at once.
 */
export class ChannelWatch implements WatchedHistoryStore {
  claim?: (topic: string) => void;
  idle?: (topic: string) => void;
  commit?: () => void;
  watchTopics?: (listener: (topic: string) => void) => number;
  private listener: Listener | undefined;
  /** Channels reported as having messages. */
  private readonly listed = new Set<string>();
  private appends = 0;
  /** Channels the store listed at the last check. */
  private keptAtCheck = 0;
  private uncommitted = false;
  private readonly minAppends: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly store: HistoryStore,
    options: ChannelWatchOptions = {},
  ) {
    this.minAppends = options.minAppends ?? 1024;
    if (store.claim !== undefined) this.claim = (topic) => store.claim!(topic);
    if (store.idle !== undefined) this.idle = (topic) => store.idle!(topic);
    if (store.watchTopics !== undefined) {
      this.watchTopics = (listener) => store.watchTopics!(listener);
    }
    if (store.commit !== undefined) this.commit = () => this.commitStore();
    this.timer = setInterval(() => {
      if (!this.uncommitted) this.check();
    }, options.intervalMs ?? 60_000);
    this.timer.unref?.();
  }

  watchChannels(listener: Listener): void {
    this.listener = listener;
    this.check();
  }

  keeps(topic: string): boolean {
    return this.store.keeps(topic);
  }

  append(topic: TopicRef, seq: number, at: number, message: boolean, payload: Uint8Array): void {
    this.store.append(topic, seq, at, message, payload);
    const name = topic.name;
    if (message && name.startsWith("#") && !this.listed.has(name) && this.store.keeps(name)) {
      this.listed.add(name);
      this.listener?.(name, true);
    }
    this.appends++;
    if (this.commit !== undefined) this.uncommitted = true;
    else if (this.due) this.check();
  }

  select(topic: string, selection: Selection, limit: number, byteBudget: number): Page {
    return this.store.select(topic, selection, limit, byteBudget);
  }

  latest(topic: string): TopicState | undefined {
    return this.store.latest(topic);
  }

  channelsWithMessages(): Iterable<string> {
    return this.store.channelsWithMessages();
  }

  close(): void {
    clearInterval(this.timer);
    this.store.close();
  }

  private get due(): boolean {
    return this.appends >= Math.max(this.minAppends, this.keptAtCheck);
  }

  private commitStore(): void {
    try {
      this.store.commit!();
    } catch (error) {
      // What the failed batch listed was never stored.
      this.uncommitted = false;
      this.check();
      throw error;
    }
    this.uncommitted = false;
    if (this.due) this.check();
  }

  /** Reads the store's channels and reports what changed since the last reports. */
  private check(): void {
    this.appends = 0;
    const now = new Set(this.store.channelsWithMessages());
    for (const name of this.listed) {
      if (!now.has(name)) {
        this.listed.delete(name);
        this.listener?.(name, false);
      }
    }
    for (const name of now) {
      if (!this.listed.has(name)) {
        this.listed.add(name);
        this.listener?.(name, true);
      }
    }
    this.keptAtCheck = now.size;
  }
}
