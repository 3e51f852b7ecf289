/**
 * The shared buffers (event arenas, wire.ts) that blocked outbound queues
 * keep alive, each counted once however many queues refer to it: a
 * fan-out's tail that a thousand slow subscribers share is one arena's
 * memory, not a thousand. The server's output budget adds `bytes` to what
 * the connections hold of their own (server.ts).
 */
export class ArenaPins {
  /** Bytes of the buffers pinned, each once. */
  bytes = 0;
  /** Told whenever `bytes` changes. */
  onChange: ((bytes: number) => void) | undefined;
  private readonly counts = new Map<Uint8Array, number>();

  pin(buffer: Uint8Array): void {
    const count = this.counts.get(buffer) ?? 0;
    this.counts.set(buffer, count + 1);
    if (count === 0) this.changed(buffer.length);
  }

  unpin(buffer: Uint8Array): void {
    const count = this.counts.get(buffer) ?? 0;
    if (count > 1) {
      this.counts.set(buffer, count - 1);
    } else if (count === 1) {
      this.counts.delete(buffer);
      this.changed(-buffer.length);
    }
  }

  private changed(delta: number): void {
    this.bytes += delta;
    this.onChange?.(this.bytes);
  }
}

/**
 * Copies of larger frames made for blocked queues, per arena and offset,
 * so that the subscribers of one event share one copy. Held only as long
 * as the arena lives: at most the arena's size again.
 */
const copies = new WeakMap<Uint8Array, Map<number, Uint8Array>>();

/** A copy of `buffer[start..end)`, the same one for every queue that asks. */
export function sharedCopy(buffer: Uint8Array, start: number, end: number): Uint8Array {
  let ofArena = copies.get(buffer);
  if (ofArena === undefined) {
    ofArena = new Map();
    copies.set(buffer, ofArena);
  }
  let copy = ofArena.get(start);
  if (copy === undefined || copy.length !== end - start) {
    copy = buffer.slice(start, end);
    ofArena.set(start, copy);
  }
  return copy;
}
