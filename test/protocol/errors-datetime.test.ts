import { describe, expect, test } from "bun:test";
import {
  DateTime,
  ERROR_CODES,
  isErrorCode,
  isFatalCode,
  ScalarError,
} from "../../src/protocol/index.ts";

describe("error codes", () => {
  test("the contract's 19 codes, and which are fatal", () => {
    expect(ERROR_CODES).toHaveLength(19);
    const fatal = ERROR_CODES.filter(isFatalCode);
    expect(fatal).toEqual([
      "bad_frame",
      "bad_cbor",
      "slow_consumer",
      "timeout",
      "busy",
      "shutdown",
    ]);
    expect(isErrorCode("bad_topic")).toBe(true);
    expect(isErrorCode("nope")).toBe(false);
    expect(isErrorCode(1)).toBe(false);
  });

  test("ScalarError carries code, fatal, re, ref and cause", () => {
    const cause = new Error("inner");
    const error = new ScalarError("bad_message", "m", { re: "ping", ref: 3, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ScalarError");
    expect(error.code).toBe("bad_message");
    expect(error.fatal).toBe(false);
    expect(error.re).toBe("ping");
    expect(error.ref).toBe(3);
    expect(error.cause).toBe(cause);
    expect(new ScalarError("timeout", "t").fatal).toBe(true);
    expect(new ScalarError("internal", "i", { fatal: true }).fatal).toBe(true);
  });
});

describe("DateTime", () => {
  test("keeps the seconds it was given", () => {
    expect(new DateTime(1700000000.123456).seconds).toBe(1700000000.123456);
    expect(DateTime.fromMillis(1700000000123).seconds).toBe(1700000000.123);
    expect(DateTime.fromDate(new Date(Date.UTC(2024, 0, 1))).seconds).toBe(1704067200);
  });

  test("converts to milliseconds, Date and ISO text", () => {
    const at = new DateTime(1700000000.123);
    expect(at.millis).toBe(1700000000123);
    expect(at.toDate().getTime()).toBe(1700000000123);
    expect(at.toISOString()).toBe("2023-11-14T22:13:20.123Z");
    expect(JSON.stringify({ at })).toBe('{"at":"2023-11-14T22:13:20.123Z"}');
  });

  test("now() is close to Date.now()", () => {
    expect(Math.abs(DateTime.now().millis - Date.now())).toBeLessThan(1000);
  });
});
