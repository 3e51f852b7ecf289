/**
 * The floor of a command round trip: a bare client that answers
 * `!echo TOKEN` with TOKEN, no runtime in the way, so the difference to a
 * scalarbot bot is the framework's own share:
 *   bun bench/lib/floor-bot.ts HOST PORT TOPIC
 * It prints "ready" once subscribed.
 */
import { encodeMessageFrame, type ServerFrame } from "../../src/protocol/index.ts";
import { connectFrames } from "./raw-client.ts";

const [host = "127.0.0.1", port = "7667", topic = "#bench"] = process.argv.slice(2);
const replies: ((frame: ServerFrame) => void)[] = [];
const link = await connectFrames(host, Number(port), (frame) => replies.shift()?.(frame), {
  noDelay: true,
  onEvent(event) {
    if (event.kind !== "message" || event.body === undefined) return;
    if (!event.body.startsWith("!echo ")) return;
    link.write(encodeMessageFrame({ type: "message", to: event.topic, body: event.body.slice(6) }));
  },
});
// `sent` acknowledgements of the answers come back as replies with no one waiting.
const request = (message: { type: string } & Record<string, unknown>) =>
  new Promise<ServerFrame>((resolve) => {
    replies.push(resolve);
    link.write(encodeMessageFrame(message));
  });
const welcome = await request({ type: "identify", id: "floorbot@localhost" });
if (welcome.type !== "welcome") throw new Error(`identify: ${JSON.stringify(welcome)}`);
const subscribed = await request({ type: "subscribe", topic });
if (subscribed.type !== "subscribed") throw new Error(`subscribe: ${JSON.stringify(subscribed)}`);
process.stdout.write("ready\n");
