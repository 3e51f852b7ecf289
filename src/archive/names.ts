/**
 * Topic names on disk and in URLs. A topic's folder is its name as it is
 * (`#general@localhost`): Scalar names are lower-case ASCII letters, digits,
 * `. _ -`, one `@` and a leading `#` or `!` (protocol §3), all safe in file
 * names on every system. Folders written before that have `#` as `%23`, `!`
 * as `%21` and `%` as `%25` (`%23general@localhost`); both forms read as the
 * same topic. A name outside the protocol's characters (none should come
 * from a server) is percent-encoded, so a folder is never `..` or a path.
 */

const PLAIN = /^[a-z0-9._@#!-]+$/;

/** The folder a topic's day files go in. */
export function topicFolder(topic: string): string {
  if (PLAIN.test(topic) && !topic.startsWith(".")) return topic;
  return encodeURIComponent(topic).replaceAll(".", "%2E");
}

/** The folder name of versions before readable folders (`%23general@localhost`). */
export function legacyTopicFolder(topic: string): string {
  return topic.replaceAll("%", "%25").replaceAll("#", "%23").replaceAll("!", "%21");
}

/** The topic a folder holds, either form; undefined for a folder that is no topic's. */
export function folderTopic(folder: string): string | undefined {
  if (folder.startsWith(".")) return undefined;
  let topic = folder;
  if (folder.includes("%")) {
    try {
      topic = decodeURIComponent(folder);
    } catch {
      return undefined;
    }
  }
  return topic.includes("@") ? topic : undefined;
}

/** Whether `folder` is a topic folder in the old, percent-encoded form that has a readable one now. */
export function isLegacyFolder(folder: string): boolean {
  const topic = folderTopic(folder);
  return (
    topic !== undefined && folder !== topicFolder(topic) && folder === legacyTopicFolder(topic)
  );
}

/**
 * A topic in a URL path: a channel without its `#` (`general@localhost`),
 * a reserved name as it is (`!wall@localhost`), an ID with a leading `~`
 * (`~alice@localhost`). All of them stay readable without escapes.
 */
export function topicSlug(topic: string): string {
  if (topic.startsWith("#")) return segment(topic.slice(1));
  if (topic.startsWith("!")) return segment(topic);
  return `~${segment(topic)}`;
}

/** Percent-encoded for a path segment, `@` left as it is (RFC 3986 allows it there). */
function segment(text: string): string {
  return encodeURIComponent(text).replaceAll("%40", "@");
}

/** The topic of a URL path segment (already percent-decoded); undefined when it names none. */
export function slugTopic(slug: string): string | undefined {
  if (slug === "" || !slug.includes("@")) return undefined;
  if (slug.startsWith("!")) return slug;
  if (slug.startsWith("~")) return slug.slice(1);
  return `#${slug}`;
}

/** `#general` for `#general@localhost`: the short form people type. */
export function shortTopic(topic: string): string {
  const at = topic.lastIndexOf("@");
  return at < 0 ? topic : topic.slice(0, at);
}

/** `alice` for `alice@localhost` in a topic of the same domain; the full ID otherwise. */
export function shortSender(from: string, topic: string): string {
  const at = from.lastIndexOf("@");
  if (at < 0) return from;
  return from.slice(at) === topic.slice(topic.lastIndexOf("@")) ? from.slice(0, at) : from;
}

/**
 * Whether a topic as the user wrote it names `full`: `#general` and
 * `general` match `#general` of any domain (a bare word also an ID of that
 * name), `#general@localhost` only itself.
 */
export function topicMatches(written: string, full: string): boolean {
  const w = written.toLowerCase();
  if (w.includes("@")) return w === full;
  const local = shortTopic(full);
  return local === w || (!/^[#!]/.test(w) && local === `#${w}`);
}

/** Whether a sender as written (`bob`, `bob@localhost`) names `from`. */
export function senderMatches(written: string, from: string): boolean {
  const w = written.toLowerCase();
  return w.includes("@") ? w === from : from.startsWith(`${w}@`);
}
