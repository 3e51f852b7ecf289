/**
 * A bare Scalar client for benchmarks: identify, then publish as fast as
 * the server acknowledges, keeping a bounded window of unacknowledged
 * messages. No runtime in the way, so it measures the other side.
 */
import {
  decodeServerFrame,
  encodeMessageFrame,
  FrameDecoder,
  type ServerFrame,
} from "../../src/protocol/index.ts";

export interface RawClient {
  request(message: { type: string } & Record<string, unknown>): Promise<ServerFrame>;
  /** Publishes `count` messages to `topic`, at most `window` unacknowledged. */
  publish(
    topic: string,
    count: number,
    body: (i: number) => string,
    window?: number,
  ): Promise<void>;
  close(): void;
}

/** A socket that writes whole frames in order and hands on every reply. */
export interface FrameLink {
  write(bytes: Uint8Array): void;
  end(): void;
}

/**
 * Connects and speaks the bare minimum: pings are answered, events go to
 * `onEvent` (or are dropped), every other frame goes to `onReply`. Bun's write does not
 * buffer, so what the kernel did not take is kept and written on drain.
 */
export async function connectFrames(
  host: string,
  port: number,
  onReply: (frame: ServerFrame) => void,
  options: { noDelay?: boolean; onEvent?: (frame: ServerFrame & { type: "event" }) => void } = {},
): Promise<FrameLink> {
  const decoder = new FrameDecoder();
  let unsent: Uint8Array | undefined;
  const write = (bytes: Uint8Array) => {
    if (unsent !== undefined) {
      unsent = Buffer.concat([unsent, bytes]);
      return;
    }
    const taken = socket.write(bytes);
    if (taken < bytes.length) unsent = bytes.subarray(Math.max(0, taken));
  };
  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      drain() {
        const rest = unsent;
        unsent = undefined;
        if (rest !== undefined) write(rest);
      },
      data(_socket, chunk) {
        decoder.push(chunk, (payload) => {
          const frame = decodeServerFrame(payload);
          if (frame.type === "event") {
            options.onEvent?.(frame);
            return;
          }
          if (frame.type === "ping") {
            write(encodeMessageFrame({ type: "pong", at: frame.at }));
            return;
          }
          onReply(frame);
        });
      },
    },
  });
  if (options.noDelay) socket.setNoDelay(true);
  return { write, end: () => socket.end() };
}

export async function connectRaw(host: string, port: number, id: string): Promise<RawClient> {
  const waiting: ((frame: ServerFrame) => void)[] = [];
  let acked = 0;
  let onAck: (() => void) | undefined;
  const { write, end } = await connectFrames(
    host,
    port,
    (frame) => {
      if (frame.type === "sent") {
        acked++;
        onAck?.();
        return;
      }
      waiting.shift()?.(frame);
    },
    { noDelay: true },
  );
  const request = (message: { type: string } & Record<string, unknown>) =>
    new Promise<ServerFrame>((resolve) => {
      waiting.push(resolve);
      write(encodeMessageFrame(message));
    });
  const welcome = await request({ type: "identify", id });
  if (welcome.type !== "welcome") throw new Error(`identify: ${JSON.stringify(welcome)}`);

  return {
    request,
    async publish(topic, count, body, window = 256) {
      const start = acked;
      let sent = 0;
      while (acked - start < count) {
        const batch: Uint8Array[] = [];
        while (sent < count && sent - (acked - start) < window) {
          batch.push(encodeMessageFrame({ type: "message", to: topic, body: body(sent) }));
          sent++;
        }
        if (batch.length > 0) write(Buffer.concat(batch));
        await new Promise<void>((resolve) => {
          onAck = resolve;
        });
      }
      onAck = undefined;
    },
    close: end,
  };
}
