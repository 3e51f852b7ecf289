/**
 * The one seam between protocol logic and sockets. A transport carries
 * bytes; framing, requests and catch-up live above it, so they are tested
 * over an in-memory pair and the socket adapter stays small.
 */
export interface Transport {
  /** Queues bytes for the peer; never blocks, never throws on a closed link. */
  write(bytes: Uint8Array): void;
  /** Flushes what is queued if it can, then closes. Idempotent. */
  close(): void;
  /** `host:port` or another human-readable peer address. */
  readonly remote: string;
}

/** What a transport reports. `data` is called synchronously, chunks arbitrary. */
export interface TransportEvents {
  data(chunk: Uint8Array): void;
  /** Called once, whoever closed; `error` when the OS reported one. */
  close(error?: Error): void;
}

/**
 * Opens one transport. Rejects with `ConnectError` when the peer cannot be
 * reached; afterwards every end is reported through `events.close`.
 */
export type Dialer = (events: TransportEvents) => Promise<Transport>;
