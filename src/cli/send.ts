/** `scalar send`: one connection, one message (split if long), then exit. */
import { systemClock } from "../client/clock.ts";
import { Connection } from "../client/connection.ts";
import { describeCause, RequestError } from "../client/errors.ts";
import { splitText } from "../client/split-text.ts";
import { tcpDialer } from "../client/tcp-transport.ts";
import { parseName, shortName } from "../protocol/index.ts";
import type { ClientFlags } from "./commands.ts";
import { fail } from "./exit.ts";

export async function sendOnce(flags: ClientFlags, topic: string, text: string): Promise<void> {
  const address = `${flags.host}:${flags.port}`;
  let closedReason: Error | undefined;
  let connection: Connection;
  try {
    connection = await Connection.open(tcpDialer(flags.host, flags.port), {
      clock: systemClock,
      requestTimeout: 20_000,
      onEvent: () => {},
      onClose: (reason) => {
        closedReason = reason;
      },
    });
  } catch (error) {
    fail(`scalar send: ${describeCause(error)}`);
  }
  try {
    const token = flags.token ?? process.env.SCALAR_TOKEN;
    const welcome = await connection.request({
      type: "identify",
      id: flags.as!,
      ...(token === undefined ? {} : { token }),
      agent: "scalar-send",
    });
    const full = parseName(topic, welcome.server);
    if (full.kind === "channel") await connection.request({ type: "subscribe", topic: full.full });
    for (const body of splitText(text)) {
      const sent = await connection.request({ type: "message", to: full.full, body });
      process.stdout.write(
        full.kind === "id"
          ? `sent a direct message to ${sent.topic} (seq ${sent.seq})\n`
          : `sent ${shortName(sent.topic, welcome.server)} seq ${sent.seq}\n`,
      );
    }
    if (full.kind === "id" && !topic.includes("@")) {
      // `general` is an ID: the channel needs its #, quoted in a shell.
      process.stderr.write(
        `scalar send: ${topic} is an ID, not a channel; for the channel, write '#${topic}'\n`,
      );
    }
  } catch (error) {
    const why =
      error instanceof RequestError ? `${error.code}: ${error.detail}` : describeCause(error);
    fail(
      `scalar send: ${address}: ${closedReason && !(error instanceof RequestError) ? describeCause(closedReason) : why}`,
    );
  } finally {
    connection.close();
  }
}
