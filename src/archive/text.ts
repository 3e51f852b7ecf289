/**
 * Archive lines as text for people:
 *
 *   2026-12-01 08:04:38 #general <alice> hello
 *     and a second line, indented (as `scalar tail` does)
 *   2026-12-01 08:05:02 #general * bob joined
 *                       #general -- seqs 5–9 are not in the server's history
 *   2026-12-01 08:06:00 #general -- numbering restarted (epoch p7q2; k3x9 ended at seq 120)
 *
 * Names drop their domain when it is the topic's (`#general`, `<alice>`).
 */
import { type ArchiveLine, isEvent, isGap } from "./format.ts";
import { shortSender, shortTopic } from "./names.ts";

const NO_TIME = " ".repeat(19);

function when(at: string): string {
  return `${at.slice(0, 10)} ${at.slice(11, 19)}`;
}

/** One line of text (more for a multi-line body), without a trailing newline. */
export function textLine(
  line: ArchiveLine,
  options: { time?: boolean; topic?: boolean } = {},
): string {
  const showTopic = options.topic ?? true;
  const showTime = options.time ?? true;
  const topic = showTopic ? `${shortTopic(line.topic)} ` : "";
  if (isEvent(line)) {
    const time = showTime ? `${when(line.at)} ` : "";
    const who = shortSender(line.from, line.topic);
    const head =
      line.kind === "message"
        ? `${time}${topic}<${who}> `
        : `${time}${topic}* ${who} ${line.kind === "join" ? "joined" : line.kind === "leave" ? "left" : line.kind}`;
    if (line.kind !== "message") return head;
    return head + line.body.split(/\r?\n/).join("\n  ");
  }
  if (isGap(line)) {
    const { from, to } = line.gap;
    const seqs = from === to ? `seq ${from} is` : `seqs ${from}–${to} are`;
    return `${showTime ? `${NO_TIME} ` : ""}${topic}-- ${seqs} not in the server's history`;
  }
  const { previousEpoch, epoch, lastSeq } = line.reset;
  const now = epoch === undefined ? "" : `epoch ${epoch}; `;
  const before = previousEpoch === undefined ? "the previous numbering" : previousEpoch;
  return `${showTime ? `${when(line.at)} ` : ""}${topic}-- numbering restarted (${now}${before} ended at seq ${lastSeq})`;
}
