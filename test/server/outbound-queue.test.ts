import { describe, expect, test } from "bun:test";
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

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("OutboundQueue", () => {
  test("adjacent slices of one buffer go out in one write, without a copy", () => {
    const arena = bytes(1, 2, 3, 4, 5, 6);
    const queue = new OutboundQueue();
    queue.push(arena, 0, 2);
    queue.push(arena, 2, 5);
    const socket = new ThrottledSocket(100);
    queue.flush(socket);
    expect(socket.writes).toBe(1);
    expect(socket.received).toEqual([1, 2, 3, 4, 5]);
    expect(queue.empty).toBe(true);
  });

  test("a partial write keeps the unsent tail until drain, whatever other queues write", () => {
    const a = new OutboundQueue();
    a.push(bytes(1, 2, 3));
    a.push(bytes(4, 5, 6));
    const slow = new ThrottledSocket(2);
    a.flush(slow);
    expect(slow.received).toEqual([1, 2]);
    expect(a.blocked).toBe(true);
    expect(a.bytes).toBe(4);

    // Another connection gathers its own slices meanwhile (the shared scratch).
    const b = new OutboundQueue();
    b.push(bytes(9, 9, 9));
    b.push(bytes(8, 8, 8));
    const fast = new ThrottledSocket(100);
    b.flush(fast);
    expect(fast.received).toEqual([9, 9, 9, 8, 8, 8]);

    // Blocked: nothing is written before the drain, and new output queues behind.
    a.push(bytes(7));
    a.flush(slow);
    expect(slow.received).toEqual([1, 2]);
    slow.room = 100;
    a.drained(slow);
    expect(slow.received).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(a.empty).toBe(true);
  });

  test("a backlog larger than the shared scratch buffer goes out in pieces of 1 MiB, in order", () => {
    // After a long block a queue can hold megabytes of slices that do not join;
    // gathering them goes through the shared scratch, 1 MiB a write.
    const queue = new OutboundQueue();
    const slices: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const slice = new Uint8Array(64 * 1024).fill(i);
      slices.push(slice);
      queue.push(slice);
    }
    const socket = new ThrottledSocket(Number.MAX_SAFE_INTEGER);
    queue.flush(socket);
    expect(socket.writes).toBe(3);
    expect(socket.received.length).toBe(40 * 64 * 1024);
    for (let i = 0; i < 40; i++) expect(socket.received[i * 64 * 1024 + 100]).toBe(i);
    expect(queue.empty).toBe(true);
  });

  test("a partial write of such a backlog keeps its tail, in order, until drain", () => {
    const queue = new OutboundQueue();
    for (let i = 0; i < 40; i++) queue.push(new Uint8Array(64 * 1024).fill(i));
    // Takes 1.25 MiB in all, then nothing: the second piece is cut.
    const socket = new ThrottledSocket(20 * 64 * 1024);
    const write = socket.write.bind(socket);
    socket.write = (data, offset, length) => {
      const taken = write(data, offset, length);
      socket.room -= taken;
      return taken;
    };
    queue.flush(socket);
    expect(queue.blocked).toBe(true);
    expect(queue.bytes).toBe(20 * 64 * 1024);
    socket.room = Number.MAX_SAFE_INTEGER;
    queue.drained(socket);
    expect(socket.received.length).toBe(40 * 64 * 1024);
    for (let i = 0; i < 40; i++) expect(socket.received[i * 64 * 1024 + 100]).toBe(i);
    expect(queue.empty).toBe(true);
  });

  test("while blocked, frames are copied: the queue holds its own bytes, not the arena", () => {
    const arena = new Uint8Array(64 * 1024).fill(1);
    const queue = new OutboundQueue();
    queue.push(arena, 0, 10);
    const slow = new ThrottledSocket(4);
    queue.flush(slow);
    expect(queue.blocked).toBe(true);
    // Pushed while blocked, then the arena is reused for something else.
    arena.fill(2, 10, 20);
    queue.push(arena, 10, 20);
    arena.fill(9);
    slow.room = 100;
    queue.drained(slow);
    // The short tail and the later frame were copied before the arena changed,
    // and went out in one write from the queue's own buffer.
    expect(slow.received).toEqual([...Array(10).fill(1), ...Array(10).fill(2)]);
    expect(slow.writes).toBe(2);
  });

  test("closing drops what was queued behind the half-sent tail, even when it joined it", () => {
    const queue = new OutboundQueue();
    queue.push(bytes(1, 2, 3, 4));
    const slow = new ThrottledSocket(1);
    queue.flush(slow);
    queue.push(bytes(5, 6));
    queue.push(bytes(7));
    expect(queue.bytes).toBe(6);
    queue.truncateToHead();
    expect(queue.bytes).toBe(3);
    queue.push(bytes(0xee));
    slow.room = 100;
    queue.drained(slow);
    expect(slow.received).toEqual([1, 2, 3, 4, 0xee]);
  });

  test("a closed socket discards the queue", () => {
    const queue = new OutboundQueue();
    queue.push(bytes(1));
    expect(queue.flush({ write: () => -1 })).toBe(false);
    expect(queue.empty).toBe(true);
  });
});
