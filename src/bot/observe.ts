/**
 * What a bot lets an observer (the metrics layer) see as it runs: events
 * handed to handlers, how long each handler took, failures, statuses and
 * messages sent. A bot nobody observes pays one branch per call site.
 */
import type { Status } from "../client/status.ts";
import type { EventKind } from "./api.ts";

export interface BotObserver {
  /** An event of `topic` was handed to the bot's handlers (replayed ones too). */
  event?(topic: string, kind: EventKind): void;
  /** A handler of `plugin` finished (returned, or its promise settled) after `seconds`. */
  handler?(plugin: string, seconds: number): void;
  /** A handler of `plugin` failed (after its error was reported). */
  failed?(plugin: string): void;
  status?(status: Status): void;
  /** `count` messages went out (a long text is sent as several). */
  sent?(count: number): void;
}

/** One observer that calls each of `observers` in turn. */
export function fanOut(observers: readonly BotObserver[]): BotObserver | undefined {
  if (observers.length <= 1) return observers[0];
  const all = [...observers];
  return {
    event: (topic, kind) => {
      for (const o of all) o.event?.(topic, kind);
    },
    handler: (plugin, seconds) => {
      for (const o of all) o.handler?.(plugin, seconds);
    },
    failed: (plugin) => {
      for (const o of all) o.failed?.(plugin);
    },
    status: (status) => {
      for (const o of all) o.status?.(status);
    },
    sent: (count) => {
      for (const o of all) o.sent?.(count);
    },
  };
}
