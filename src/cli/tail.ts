/**
 * `scalar tail`: follows topics on a plain client, gap-free across
 * reconnects and server restarts, one readable line an event.
 */
import { Client } from "../client/client.ts";
import { describeCause } from "../client/errors.ts";
import { describeStatus } from "../client/status.ts";
import { tcpDialer } from "../client/tcp-transport.ts";
import { type EventFrame, shortName } from "../protocol/index.ts";
import type { ClientFlags } from "./commands.ts";
import { clockTime } from "./runner.ts";

/**
 * One readable event: `HH:MM:SS #topic <from> body`; the continuation
 * lines of a multi-line body are indented by two spaces, so each event
 * stays one unit.
 */
export function formatTailLine(
  event: Pick<EventFrame, "topic" | "from" | "kind" | "body"> & { at: Date },
  domain: string,
): string {
  const time = clockTime(event.at);
  const topic = shortName(event.topic, domain);
  const from = shortName(event.from, domain);
  if (event.kind === "join") return `${time} ${topic} * ${from} joined`;
  if (event.kind === "leave") return `${time} ${topic} * ${from} left`;
  const body = (event.body ?? "").split(/\r?\n/).join("\n  ");
  return `${time} ${topic} <${from}> ${body}`;
}

export async function tail(
  flags: ClientFlags & { last?: number },
  topics: string[],
): Promise<void> {
  const token = flags.token ?? process.env.SCALAR_TOKEN;
  const write = (line: string) => process.stdout.write(`${line}\n`);
  let stopping = false;
  const client: Client = new Client({
    id: flags.as ?? `tail-${process.pid}`,
    ...(token === undefined ? {} : { token }),
    topics,
    dialer: tcpDialer(flags.host, flags.port),
    address: `${flags.host}:${flags.port}`,
    backlog: flags.last ?? 0,
    agent: "scalar-tail",
    reconnect: { initial: 250, max: 5000 },
    keepalive: { interval: 30_000, timeout: 10_000 },
    onError: (error) => process.stderr.write(`${describeCause(error)}\n`),
    onStatus: (status) => {
      // Once interrupted, what the client says about stopping is no news.
      if (stopping) return;
      process.stderr.write(`${clockTime()} ${describeStatus(status)}\n`);
      if (status.type === "gave_up") process.exit(1);
    },
    onItem: (_topic, item) => {
      const domain = client.domain ?? "";
      if (item.type === "event") {
        write(formatTailLine({ ...item.event, at: item.event.at.toDate() }, domain));
      } else if (item.type === "gap") {
        write(
          `${clockTime()} ${shortName(item.topic, domain)} -- seq ${item.from}..${item.to} missing (${item.reason})`,
        );
      } else if (item.type === "reset") {
        write(
          `${clockTime()} ${shortName(item.topic, domain)} -- numbering restarted after seq ${item.lastSeq}`,
        );
      }
    },
  });
  client.start();
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      client.stop().then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.exit(0);
}
