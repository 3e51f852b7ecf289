/** The archive's small parts: names on disk and in URLs, times, queries, the text format. */
import { describe, expect, test } from "bun:test";
import {
  folderTopic,
  legacyTopicFolder,
  parseQuery,
  parseTime,
  textLine,
  topicFolder,
  topicMatches,
} from "../../src/archive/index.ts";
import { fold, hitRanges, snippet } from "../../src/archive/match.ts";
import { slugTopic, topicSlug } from "../../src/archive/names.ts";

describe("names", () => {
  test("folders are the topic names as they are; old percent-encoded ones read as the same topic", () => {
    expect(topicFolder("#general@localhost")).toBe("#general@localhost");
    expect(topicFolder("!wall@example.com")).toBe("!wall@example.com");
    expect(topicFolder("alice@localhost")).toBe("alice@localhost");
    expect(legacyTopicFolder("#general@localhost")).toBe("%23general@localhost");
    for (const t of ["#general@localhost", "!wall@x.org", "bob@localhost"]) {
      expect(folderTopic(topicFolder(t))).toBe(t);
      expect(folderTopic(legacyTopicFolder(t))).toBe(t);
    }
    // Never a path or a dot folder, whatever a name holds.
    expect(topicFolder("../etc@x")).toBe("%2E%2E%2Fetc%40x");
    expect(folderTopic(topicFolder("../etc@x"))).toBe("../etc@x");
    expect(folderTopic(".index")).toBeUndefined();
    expect(folderTopic("notes")).toBeUndefined();
  });

  test("URL slugs: channels without #, IDs with ~, round trip", () => {
    expect(topicSlug("#general@localhost")).toBe("general@localhost");
    expect(topicSlug("alice@localhost")).toBe("~alice@localhost");
    expect(topicSlug("!wall@localhost")).toBe("!wall@localhost");
    for (const t of ["#general@localhost", "alice@localhost", "!wall@localhost"]) {
      expect(slugTopic(decodeURIComponent(topicSlug(t)))).toBe(t);
    }
  });

  test("topics as people write them", () => {
    expect(topicMatches("#other", "#other@localhost")).toBe(true);
    expect(topicMatches("other", "#other@localhost")).toBe(true);
    expect(topicMatches("#other@localhost", "#other@localhost")).toBe(true);
    expect(topicMatches("#other@example.com", "#other@localhost")).toBe(false);
    expect(topicMatches("#oth", "#other@localhost")).toBe(false);
    expect(topicMatches("alice", "alice@localhost")).toBe(true);
  });
});

describe("times", () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  test("durations back from now, UTC days, ISO 8601", () => {
    expect(parseTime("2h", "--since", { now })).toBe(now - 7_200_000);
    expect(parseTime("30m", "--since", { now })).toBe(now - 1_800_000);
    expect(parseTime("7d", "--since", { now })).toBe(now - 7 * 86_400_000);
    expect(parseTime("2026-12-01", "--since")).toBe(Date.UTC(2026, 11, 1));
    expect(parseTime("2026-12-01", "--until", { end: true })).toBe(Date.UTC(2026, 11, 2));
    expect(parseTime("2026-12-01T08:04", "--since")).toBe(Date.UTC(2026, 11, 1, 8, 4));
    expect(parseTime("2026-12-01T08:04:38Z", "--since")).toBe(Date.UTC(2026, 11, 1, 8, 4, 38));
    expect(parseTime("2026-12-01T09:04:38+01:00", "--since")).toBe(Date.UTC(2026, 11, 1, 8, 4, 38));
  });

  test("anything else names the flag and the forms", () => {
    expect(() => parseTime("yesterday", "--since")).toThrow(
      /--since "yesterday" is not a time: expected a duration back from now \(2h, 30m, 7d\), a day \(2026-12-01\) or ISO 8601/,
    );
    expect(() => parseTime("2026-13-45", "--until")).toThrow(/--until/);
  });
});

describe("queries", () => {
  test("words fold case and diacritics; phrases, prefixes, exclusions", () => {
    expect(fold("Café")).toBe("cafe");
    const q = parseQuery('"brown fox" jump* -dog');
    expect(hitRanges(q, "The brown fox jumped")).toEqual([
      [4, 13],
      [14, 20],
    ]);
    expect(hitRanges(q, "The brown fox jumped over the dog")).toEqual([]);
    expect(hitRanges(q, "The fox brown jumped")).toEqual([]);
    expect(() => parseQuery("!!! ...")).toThrow(/has no word to search for/);
  });

  test("snippets are escaped text with marks, cut around the first hit", () => {
    const q = parseQuery("needle");
    expect(snippet(q, "<b>needle</b>")).toBe("&lt;b&gt;<mark>needle</mark>&lt;/b&gt;");
    const long = `${"hay ".repeat(100)}needle${" straw".repeat(100)}`;
    const s = snippet(q, long);
    expect(s.startsWith("…")).toBe(true);
    expect(s.endsWith("…")).toBe(true);
    expect(s).toContain("<mark>needle</mark>");
    expect(s.length).toBeLessThan(220);
    expect(snippet(parseQuery('x"<', true), 'a x"< b')).toBe("a <mark>x&quot;&lt;</mark> b");
  });
});

describe("text lines", () => {
  const base = { topic: "#general@localhost", epoch: "e1", at: "2026-12-01T08:04:38.123Z" };
  test("messages, multi-line bodies indented, joins, gaps, resets", () => {
    expect(
      textLine({ ...base, seq: 1, from: "alice@localhost", kind: "message", body: "hello" }),
    ).toBe("2026-12-01 08:04:38 #general <alice> hello");
    expect(
      textLine({ ...base, seq: 2, from: "bob@example.com", kind: "message", body: "one\ntwo" }),
    ).toBe("2026-12-01 08:04:38 #general <bob@example.com> one\n  two");
    expect(textLine({ ...base, seq: 3, from: "carol@localhost", kind: "join", body: "" })).toBe(
      "2026-12-01 08:04:38 #general * carol joined",
    );
    expect(textLine({ topic: base.topic, gap: { from: 5, to: 9 } })).toBe(
      "                    #general -- seqs 5–9 are not in the server's history",
    );
    expect(
      textLine({
        topic: base.topic,
        reset: { previousEpoch: "e1", epoch: "e2", lastSeq: 120 },
        at: base.at,
      }),
    ).toBe("2026-12-01 08:04:38 #general -- numbering restarted (epoch e2; e1 ended at seq 120)");
  });
});
