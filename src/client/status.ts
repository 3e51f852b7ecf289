/**
 * A bot's connection status, as a discriminated union plugins and logs can
 * switch on.
 */
export type Status =
  | { type: "connecting"; address: string; attempt: number }
  | { type: "connected"; address: string; id: string; server: string; motd?: string }
  | { type: "disconnected"; address: string; reason: string }
  | { type: "reconnecting"; address: string; attempt: number; delay: number; reason: string }
  | { type: "gave_up"; address: string; attempts: number; reason: string }
  /** News, not a state: a topic's numbering started again (protocol §5 Epochs). */
  | {
      type: "reset";
      topic: string;
      previousEpoch: string | undefined;
      epoch: string | undefined;
      lastSeq: number;
    }
  | { type: "stopped" };

export type StatusType = Status["type"];

/** One readable line per status, for logs. */
export function describeStatus(status: Status): string {
  switch (status.type) {
    case "connecting":
      return `connecting to ${status.address} (attempt ${status.attempt})`;
    case "connected":
      return `connected to ${status.address} as ${status.id} (server ${status.server})`;
    case "disconnected":
      return `disconnected from ${status.address}: ${status.reason}`;
    case "reconnecting":
      return `reconnecting to ${status.address} in ${status.delay} ms (attempt ${status.attempt}): ${status.reason}`;
    case "gave_up":
      return `gave up on ${status.address} after ${status.attempts} attempts: ${status.reason}`;
    case "reset":
      return `${status.topic} numbering restarted (${describeEpochs(status)}) after seq ${status.lastSeq}: reading it again from seq 1`;
    case "stopped":
      return "stopped";
  }
}

function describeEpochs(status: {
  previousEpoch: string | undefined;
  epoch: string | undefined;
}): string {
  if (status.epoch === undefined) return "the server counts from 1 again";
  return `epoch ${status.previousEpoch ?? "unknown"} → ${status.epoch}`;
}
