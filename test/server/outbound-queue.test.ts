import { describe, expect, test } from "bun:test";
import { ArenaPins } from "../../src/server/arena-pins.ts";
import { OutboundQueue, type Writable } from "../../src/server/outbound-queue.ts";

/** A socket that takes at most `room` bytes a write, and records what it took. */
class ThrottledSocket implements Writable {
  readonly received: number[] = [];
  writes = 0;
  constructor(public room: number) {}
  write(data: Uint8Array, byteOffset = 0, byteLength = data.length - byteOffset): number {
    this.writes++;
    const taken = Math.min(this.room, byteLength);
    for (const byte of data.subarray(byteOffset, byteOffset + taken)) this.received.push(byte);
    return taken;
  }
}

/** A frame of `size` bytes in all (its length prefix, then `fill`). */
function frame(size: number, fill: number): Uint8Array {
  const bytes = new Uint8Array(size).fill(fill);
  bytes[0] = (size - 2) & 0xff;
  bytes[1] = (size - 2) >> 8;
  return bytes;
}

/** Frames laid out back to back in a 64 KiB arena, as wire.ts writes events. */
function arena(...frames: Uint8Array[]): { arena: Uint8Array; at: number[] } {
  const arena = new Uint8Array(64 * 1024);
  const at: number[] = [];
  let pos = 0;
  for (const f of frames) {
    arena.set(f, pos);
    at.push(pos);
    pos += f.length;
  }
  at.push(pos);
  return { arena, at };
}

describe("OutboundQueue", () => {
  test("adjacent slices of one buffer go out in one write, without a copy", () => {
    const { arena: a, at } = arena(frame(4, 1), frame(6, 2));
    const queue = new OutboundQueue();
    expect(queue.push(a, at[0], at[1])).toBeGreaterThan(0);
    // Joins the slice before it: no bookkeeping added.
    expect(queue.push(a, at[1], at[2])).toBe(0);
    const socket = new ThrottledSocket(100);
    queue.flush(socket);
    expect(socket.writes).toBe(1);
    expect(socket.received).toEqual([...a.subarray(0, 10)]);
    expect(queue.empty).toBe(true);
  });

  test("a partial write keeps the unsent tail until drain, whatever other queues write", () => {
    const a = new OutboundQueue();
    const first = frame(3, 1);
    const second = frame(3, 2);
    a.push(first);
    a.push(second);
    const slow = new ThrottledSocket(2);
    a.flush(slow);
    expect(slow.received).toEqual([...first.subarray(0, 2)]);
    expect(a.blocked).toBe(true);
    expect(a.bytes).toBe(4);

    // Another connection gathers its own slices meanwhile (the shared scratch).
    const b = new OutboundQueue();
    b.push(frame(3, 9));
    b.push(frame(3, 8));
    const fast = new ThrottledSocket(100);
    b.flush(fast);
    expect(fast.received.length).toBe(6);

    // Blocked: nothing is written before the drain, and new output queues behind.
    const third = frame(3, 7);
    a.push(third);
    a.flush(slow);
    expect(slow.received.length).toBe(2);
    slow.room = 100;
    a.drained(slow);
    expect(slow.received).toEqual([...first, ...second, ...third]);
    expect(a.empty).toBe(true);
  });

  test("a backlog larger than the shared scratch buffer goes out in pieces of 1 MiB, in order", () => {
    const queue = new OutboundQueue();
    for (let i = 0; i < 160; i++) queue.push(frame(16 * 1024, i));
    const socket = new ThrottledSocket(Number.MAX_SAFE_INTEGER);
    queue.flush(socket);
    expect(socket.writes).toBe(3);
    expect(socket.received.length).toBe(160 * 16 * 1024);
    for (let i = 0; i < 160; i++) expect(socket.received[i * 16 * 1024 + 100]).toBe(i);
    expect(queue.empty).toBe(true);
  });

  test("a partial write of such a backlog keeps its tail, in order, until drain", () => {
    const queue = new OutboundQueue();
    for (let i = 0; i < 160; i++) queue.push(frame(16 * 1024, i));
    // Takes 1.25 MiB and a bit, then nothing: the second piece is cut mid-frame.
    const socket = new ThrottledSocket(80 * 16 * 1024 + 100);
    const write = socket.write.bind(socket);
    socket.write = (data, offset, length) => {
      const taken = write(data, offset, length);
      socket.room -= taken;
      return taken;
    };
    queue.flush(socket);
    expect(queue.blocked).toBe(true);
    expect(queue.bytes).toBe(80 * 16 * 1024 - 100);
    socket.room = Number.MAX_SAFE_INTEGER;
    queue.drained(socket);
    expect(socket.received.length).toBe(160 * 16 * 1024);
    for (let i = 0; i < 160; i++) expect(socket.received[i * 16 * 1024 + 100]).toBe(i);
    expect(queue.empty).toBe(true);
  });

  test("blocked queues refer to the arenas of their frames, pinned once however many share one", () => {
    const frames = [frame(10, 1), frame(2000, 3)];
    const { arena: a, at } = arena(...frames);
    const pins = new ArenaPins();
    const queues = [new OutboundQueue(pins), new OutboundQueue(pins)];
    const sockets = [new ThrottledSocket(4), new ThrottledSocket(4)];
    for (let i = 0; i < 2; i++) {
      queues[i]!.push(a, at[0], at[2]);
      queues[i]!.flush(sockets[i]!);
      expect(queues[i]!.blocked).toBe(true);
      // 2,006 bytes unsent, all in the arena: nothing of its own, no copy.
      expect(queues[i]!.bytes).toBe(2006);
      expect(queues[i]!.held).toBe(0);
      expect(queues[i]!.shared).toBe(2006);
    }
    // The arena they keep alive, once.
    expect(pins.bytes).toBe(64 * 1024);
    // A reply pushed meanwhile is its own.
    const reply = frame(30, 4);
    queues[0]!.push(reply);
    expect(queues[0]!.held).toBe(30);
    sockets[0]!.room = 10_000;
    queues[0]!.drained(sockets[0]!);
    expect(sockets[0]!.received).toEqual([...frames[0]!, ...frames[1]!, ...reply]);
    expect(queues[0]!.held).toBe(0);
    // The other still keeps it.
    expect(pins.bytes).toBe(64 * 1024);
    queues[1]!.truncateToHead();
    expect(pins.bytes).toBe(0);
  });

  test("a queue that uses little of the arenas it refers to copies its frames out", () => {
    const pins = new ArenaPins();
    const queue = new OutboundQueue(pins);
    const first = frame(100, 1);
    queue.push(first);
    const slow = new ThrottledSocket(0);
    queue.flush(slow);
    // One small frame and one large one in each of five arenas.
    const sent: number[] = [...first];
    const arenas: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const small = frame(10, 10 + i);
      const large = frame(3000, 20 + i);
      const { arena: a, at } = arena(small, large);
      queue.push(a, at[0], at[1]);
      queue.push(a, at[1], at[2]);
      sent.push(...small, ...large);
      arenas.push(a);
    }
    // Five arenas (320 KiB) for 15 KB: copied out when the fifth came; only
    // the fifth's large frame, pushed after, is in an arena still.
    expect(queue.bytes).toBe(100 + 5 * 3010);
    expect(queue.shared).toBe(3000);
    expect(pins.bytes).toBe(64 * 1024);
    // The copied ones' arenas may be reused.
    for (const a of arenas.slice(0, 4)) a.fill(0);
    slow.room = 100_000;
    queue.drained(slow);
    expect(slow.received).toEqual(sent);
    expect(pins.bytes).toBe(0);
  });

  test("held counts a spill buffer's unused room, and its part already written", () => {
    const queue = new OutboundQueue();
    queue.push(frame(100, 1));
    const slow = new ThrottledSocket(0);
    queue.flush(slow);
    // Small frames of five arenas: copied out into one spill buffer of 4 KiB.
    for (let i = 0; i < 5; i++) queue.push(arena(frame(10, 2 + i)).arena, 0, 10);
    expect(queue.bytes).toBe(150);
    expect(queue.held).toBe(100 + 4096);
    slow.room = 105;
    queue.drained(slow);
    expect(queue.bytes).toBe(45);
    // The 45 bytes left are in the spill buffer, all of which is held.
    expect(queue.held).toBe(4096);
  });

  test("closing keeps the rest of the half-sent frame only, not the frames behind it", () => {
    const { arena: a, at } = arena(frame(6, 1), frame(6, 2), frame(6, 3));
    const queue = new OutboundQueue();
    queue.push(a, at[0], at[3]);
    const slow = new ThrottledSocket(8);
    queue.flush(slow);
    // The first frame went out and two bytes of the second.
    expect(queue.bytes).toBe(10);
    queue.push(frame(5, 4));
    queue.truncateToHead();
    expect(queue.bytes).toBe(4);
    const error = frame(3, 0xee);
    queue.push(error);
    slow.room = 100;
    queue.drained(slow);
    expect(slow.received).toEqual([...a.subarray(0, 12), ...error]);
  });

  test("closing at a frame boundary keeps nothing of what was queued", () => {
    const queue = new OutboundQueue();
    queue.push(frame(4, 1));
    queue.push(frame(4, 2));
    const slow = new ThrottledSocket(4);
    queue.flush(slow);
    expect(queue.blocked).toBe(true);
    queue.truncateToHead();
    expect(queue.bytes).toBe(0);
  });

  test("a closed socket discards the queue", () => {
    const queue = new OutboundQueue();
    queue.push(frame(3, 1));
    expect(queue.flush({ write: () => -1 })).toBe(false);
    expect(queue.empty).toBe(true);
  });
});
