import { describe, expect, test } from "bun:test";
import type { HistoryStore, TopicRef } from "../../src/server/history/store.ts";
import { ChannelWatch, withChannelWatch } from "../../src/server/history/watched.ts";
import { MemoryHistoryStore } from "../../src/server/index.ts";

/** A store whose retained channels the test sets by hand; no watchChannels. */
function handStore(extra: Partial<HistoryStore> = {}) {
  const channels = new Set<string>();
  const calls: string[] = [];
  const store: HistoryStore = {
    keeps: () => true,
    append: (topic) => calls.push(`append ${topic.name}`),
    select: () => ({ events: [], more: false }),
    latest: () => undefined,
    channelsWithMessages: () => channels,
    close: () => calls.push("close"),
    ...extra,
  };
  return { store, channels, calls };
}

const ref = (name: string): TopicRef => ({ name, epoch: "e", inbox: false });
const payload = new Uint8Array([0xa0]);

/** Records reports; `next(channel)` resolves at the next report of that channel. */
function reports() {
  const seen: [string, boolean][] = [];
  const waiters: { channel: string; resolve: (present: boolean) => void }[] = [];
  return {
    seen,
    listener: (channel: string, present: boolean) => {
      seen.push([channel, present]);
      for (const w of waiters.splice(0)) {
        if (w.channel === channel) w.resolve(present);
        else waiters.push(w);
      }
    },
    next: (channel: string) =>
      new Promise<boolean>((resolve) => waiters.push({ channel, resolve })),
  };
}

describe("withChannelWatch", () => {
  test("a store that reports its channels is used as it is", () => {
    const memory = new MemoryHistoryStore();
    expect(withChannelWatch(memory)).toBe(memory);
  });

  test("a message to a channel is reported once; presence and ID topics are not", () => {
    const { store, channels } = handStore();
    const watch = new ChannelWatch(store);
    const r = reports();
    watch.watchChannels(r.listener);
    watch.append(ref("#a@x.org"), 1, 0, true, payload);
    channels.add("#a@x.org");
    watch.append(ref("#a@x.org"), 2, 0, true, payload);
    watch.append(ref("#b@x.org"), 1, 0, false, payload);
    watch.append(ref("bob@x.org"), 1, 0, true, payload);
    expect(r.seen).toEqual([["#a@x.org", true]]);
    watch.close();
  });

  test("a channel the store let go of is reported gone after as many appends as channels listed (at least minAppends)", () => {
    const { store, channels } = handStore();
    const watch = new ChannelWatch(store, { minAppends: 4 });
    const r = reports();
    watch.watchChannels(r.listener);
    for (const name of ["#a@x.org", "#b@x.org", "#c@x.org"]) {
      watch.append(ref(name), 1, 0, true, payload);
      channels.add(name);
    }
    // The store drops #a's last message while #b is written to.
    channels.delete("#a@x.org");
    watch.append(ref("#b@x.org"), 2, 0, true, payload);
    expect(r.seen).toEqual([
      ["#a@x.org", true],
      ["#b@x.org", true],
      ["#c@x.org", true],
      ["#a@x.org", false],
    ]);
    watch.close();
  });

  test("ever-new channels cannot grow the list past what the store keeps plus one round of appends", () => {
    const { store, channels } = handStore();
    const watch = new ChannelWatch(store, { minAppends: 100 });
    let listed = 0;
    watch.watchChannels((_, present) => {
      listed += present ? 1 : -1;
    });
    let most = 0;
    for (let i = 0; i < 5000; i++) {
      const name = `#n${i}@x.org`;
      watch.append(ref(name), 1, 0, true, payload);
      // The store keeps only the last two channels.
      channels.add(name);
      channels.delete(`#n${i - 2}@x.org`);
      most = Math.max(most, listed);
    }
    expect(most).toBeLessThanOrEqual(2 + 100);
    watch.close();
  });

  test("with nothing appended, a check runs on the interval (a store may drop history by age)", async () => {
    const { store, channels } = handStore();
    const watch = new ChannelWatch(store, { intervalMs: 5 });
    const r = reports();
    watch.watchChannels(r.listener);
    watch.append(ref("#old@x.org"), 1, 0, true, payload);
    channels.add("#old@x.org");
    const gone = r.next("#old@x.org");
    channels.delete("#old@x.org");
    expect(await gone).toBe(false);
    watch.close();
  });

  test("the optional methods are there exactly when the store has them, and reach it", () => {
    const plain = new ChannelWatch(handStore().store);
    expect([plain.commit, plain.claim, plain.idle]).toEqual([undefined, undefined, undefined]);
    plain.close();
    const calls: string[] = [];
    const full = new ChannelWatch(
      handStore({
        commit: () => calls.push("commit"),
        claim: (t) => calls.push(`claim ${t}`),
        idle: (t) => calls.push(`idle ${t}`),
      }).store,
    );
    full.commit!();
    full.claim!("bob@x.org");
    full.idle!("#a@x.org");
    expect(calls).toEqual(["commit", "claim bob@x.org", "idle #a@x.org"]);
    full.close();
  });

  test("a batching store is checked after its commit, not between an append and it", () => {
    let fail = false;
    const { store, channels } = handStore({
      commit: () => {
        if (fail) throw new Error("disk full");
      },
    });
    const watch = new ChannelWatch(store, { minAppends: 1 });
    const r = reports();
    watch.watchChannels(r.listener);
    // Staged, not yet committed: the store does not list it yet, and it is not reported gone.
    watch.append(ref("#a@x.org"), 1, 0, true, payload);
    expect(r.seen).toEqual([["#a@x.org", true]]);
    channels.add("#a@x.org");
    watch.commit!();
    expect(r.seen).toEqual([["#a@x.org", true]]);
    // A failed commit: what its batch listed was never stored.
    fail = true;
    watch.append(ref("#b@x.org"), 1, 0, true, payload);
    expect(() => watch.commit!()).toThrow("disk full");
    expect(r.seen).toEqual([
      ["#a@x.org", true],
      ["#b@x.org", true],
      ["#b@x.org", false],
    ]);
    watch.close();
  });
});
