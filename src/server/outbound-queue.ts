/** The part of a socket the queue needs: `write` returns bytes taken, -1 when closed. */
export interface Writable {
  write(data: Uint8Array): number;
}

/**
 * A connection's unsent output. Frames are queued as they are produced (an
 * event frame is one buffer shared by every subscriber) and go out in one
 * `write` per flush, so a burst of events costs one syscall per connection.
 * Bun's `write` does not buffer: what the kernel did not take stays here as
 * the head chunk until `drain`.
 */
export class OutboundQueue {
  private chunks: Uint8Array[] = [];
  /** Bytes queued and not yet taken by the kernel. */
  bytes = 0;
  /** True after a partial write, until the socket drains. */
  blocked = false;

  push(frame: Uint8Array): void {
    this.chunks.push(frame);
    this.bytes += frame.length;
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  /**
   * Writes everything queued in one call. Returns false if the socket is
   * closed (the queue is then discarded).
   */
  flush(socket: Writable): boolean {
    if (this.blocked || this.bytes === 0) return true;
    const chunks = this.chunks;
    const buffer = chunks.length === 1 ? chunks[0]! : concat(chunks, this.bytes);
    const written = socket.write(buffer);
    if (written < 0) {
      this.clear();
      return false;
    }
    if (written >= buffer.length) {
      this.chunks = [];
      this.bytes = 0;
      return true;
    }
    // Keep the unsent tail: frame boundaries inside it must stay intact.
    const tail = buffer.subarray(written);
    this.chunks = [tail];
    this.bytes = tail.length;
    this.blocked = true;
    return true;
  }

  /** Called from the socket's `drain`: writing may resume. */
  drained(socket: Writable): boolean {
    this.blocked = false;
    return this.flush(socket);
  }

  /**
   * Drops the frames not yet started; after a partial write the head chunk
   * stays, since the peer already has the start of a frame in it. Used when the
   * connection is being closed for being too slow.
   */
  truncateToHead(): void {
    const head = this.chunks[0];
    if (head === undefined || !this.blocked) {
      this.clear();
      return;
    }
    this.chunks = [head];
    this.bytes = head.length;
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
