/**
 * Tags: the topic and the sender of an event as words of the full-text
 * index's second column (`t<topic id>`, `s<the sender's local part in
 * hex>`), the same the `events.tags` column computes in SQL. A search of a
 * channel or a sender then intersects word lists in FTS5 instead of
 * checking every hit of the words.
 */

/** The tags of an event, as `events.tags` computes them. */
export function eventTags(topicId: number, sender: string): string {
  return `t${topicId} ${senderTag(sender)}`;
}

/** `bob` and `bob@localhost` alike: the local part, as SQLite's `hex()` writes its UTF-8 bytes. */
export function senderTag(sender: string): string {
  const at = sender.indexOf("@");
  const local = at < 0 ? "" : sender.slice(0, at);
  return `s${Buffer.from(local, "utf8").toString("hex").toUpperCase()}`;
}

/** `from` as written (`bob`, `bob@localhost`): its tag. */
export function writtenSenderTag(from: string): string {
  const w = from.toLowerCase();
  return senderTag(w.includes("@") ? w : `${w}@`);
}
