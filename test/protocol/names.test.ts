import { describe, expect, test } from "bun:test";
import {
  isValidDomain,
  MAX_DOMAIN_BYTES,
  MAX_NAME_BYTES,
  parseId,
  parseName,
  shortName,
  wallTopic,
} from "../../src/protocol/index.ts";
import { expectCode } from "./helpers.ts";

const D = "example.com";
const badTopic = (input: string, domain?: string) =>
  expectCode(() => parseName(input, domain), "bad_topic");

/** A valid domain of exactly `bytes` bytes, made of 63-byte labels. */
function domainOf(bytes: number): string {
  const labels: string[] = [];
  let left = bytes;
  while (left > 0) {
    const size = Math.min(63, left);
    labels.push("d".repeat(size));
    left -= size + 1;
    if (left === 0) {
      // The dot would eat the last byte: shorten the previous label instead.
      labels[labels.length - 1] = "d".repeat(size - 1);
      labels.push("d");
    }
  }
  const domain = labels.join(".");
  if (domain.length !== bytes) throw new Error(`domainOf(${bytes}) gave ${domain.length}`);
  return domain;
}

describe("parseName", () => {
  test("the three kinds", () => {
    expect(parseName("alice@example.com")).toEqual({
      kind: "id",
      local: "alice",
      domain: D,
      full: "alice@example.com",
    });
    expect(parseName("#general@example.com")).toEqual({
      kind: "channel",
      local: "general",
      domain: D,
      full: "#general@example.com",
    });
    expect(parseName("!wall@example.com")).toEqual({
      kind: "reserved",
      local: "wall",
      domain: D,
      full: "!wall@example.com",
    });
  });

  test("folds A-Z to lower case", () => {
    expect(parseName("Alice@Example.COM").full).toBe("alice@example.com");
    expect(parseName("#GENERAL@EXAMPLE.COM").full).toBe("#general@example.com");
    expect(parseName("!Wall", D).full).toBe("!wall@example.com");
  });

  test("short forms take the default domain", () => {
    expect(parseName("alice", D).full).toBe("alice@example.com");
    expect(parseName("#General", D).full).toBe("#general@example.com");
    expect(parseName("bob@other.org", D).full).toBe("bob@other.org");
    badTopic("alice");
    badTopic("#general");
  });

  test("the local part: 1-64 of a-z 0-9 . _ -", () => {
    expect(parseName("a.b_c-9@x").local).toBe("a.b_c-9");
    expect(parseName(`${"a".repeat(64)}@x`).local).toBe("a".repeat(64));
    badTopic(`${"a".repeat(65)}@x`);
    badTopic("@x");
    badTopic("#@x");
    badTopic("!@x");
    badTopic("#", D);
    badTopic("", D);
    for (const input of ["a b@x", "a+b@x", "a/b@x", "##a@x", "#!a@x", "a#@x", "a@b@x", "a:b@x"]) {
      badTopic(input);
    }
  });

  test("names are ASCII: anything else is bad_topic", () => {
    for (const input of [
      "älice@x",
      "alice@exämple.com",
      "#ğeneral",
      "a\u0000@x",
      "a\t@x",
      " a@x",
    ]) {
      badTopic(input, D);
    }
    // The Kelvin sign lower-cases to "k" in Unicode: it must not sneak in.
    badTopic("\u212aelvin@x");
    badTopic("a@x\u0130");
  });

  test("the domain: DNS labels of a-z 0-9 -, at most 190 bytes", () => {
    expect(parseName("a@localhost").domain).toBe("localhost");
    expect(parseName("a@b-c.d1.example").domain).toBe("b-c.d1.example");
    expect(parseName("a@127.0.0.1").domain).toBe("127.0.0.1");
    expect(parseName(`a@${"x".repeat(63)}.com`).domain).toHaveLength(67);
    for (const domain of [
      "",
      ".",
      "a..b",
      ".a",
      "a.",
      "-a.com",
      "a-.com",
      "a_b.com",
      "a b.com",
      `${"x".repeat(64)}.com`,
    ]) {
      badTopic(`a@${domain}`);
      expect(isValidDomain(domain)).toBe(false);
    }
    expect(MAX_DOMAIN_BYTES).toBe(190);
    expect(parseName(`a@${domainOf(190)}`).domain).toHaveLength(190);
    badTopic(`a@${domainOf(191)}`);
    expect(isValidDomain(domainOf(190))).toBe(true);
    expect(isValidDomain(domainOf(191))).toBe(false);
  });

  test("a whole name is at most 256 bytes", () => {
    expect(MAX_NAME_BYTES).toBe(256);
    const longest = `#${"a".repeat(64)}@${domainOf(190)}`;
    expect(longest).toHaveLength(256);
    expect(parseName(longest).full).toBe(longest);
    expect(parseName(`#${"a".repeat(64)}`, domainOf(190)).full).toHaveLength(256);
    badTopic(`${longest}x`);
    badTopic("a".repeat(300));
  });
});

describe("helpers", () => {
  test("parseId accepts only IDs", () => {
    expect(parseId("Bob", D).full).toBe("bob@example.com");
    expectCode(() => parseId("#a@x"), "bad_topic");
    expectCode(() => parseId("!wall", D), "bad_topic");
  });

  test("wallTopic and shortName", () => {
    expect(wallTopic(D)).toBe("!wall@example.com");
    expect(shortName("#general@example.com", D)).toBe("#general");
    expect(shortName("#general@other.org", D)).toBe("#general@other.org");
    expect(shortName("alice@sub.example.com", D)).toBe("alice@sub.example.com");
  });
});
