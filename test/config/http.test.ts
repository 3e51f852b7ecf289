/** The `http` key: off when absent, loopback by default, located errors like every other key. */
import { expect, test } from "bun:test";
import { checkConfig } from "../../src/config/load.ts";
import { problems, refusal } from "./helpers.ts";

const BOT = `bots:
  - id: logbot@localhost
    state: ./data
`;

test("absent, there is no listener; present, the host defaults to loopback", () => {
  expect(checkConfig(BOT, "bots.yaml", {}).config.http).toBeUndefined();
  expect(checkConfig(`http: { port: 9464 }\n${BOT}`, "bots.yaml", {}).config.http).toEqual({
    host: "127.0.0.1",
    port: 9464,
  });
  expect(
    checkConfig(`http: { host: "::1", port: 0 }\n${BOT}`, "bots.yaml", {}).config.http,
  ).toEqual({ host: "::1", port: 0 });
});

test("the port is required, in range, and a typo is named with the key it resembles", () => {
  expect(problems(`http: {}\n${BOT}`)).toEqual([
    "bots.yaml:1: http.port: missing: expected a port number from 0 to 65535",
  ]);
  expect(refusal(`http: {}\n${BOT}`).problems[0]).toMatchObject({
    code: "missing_key",
    path: "http.port",
  });
  expect(problems(`http:\n  port: 70000\n${BOT}`)).toEqual([
    "bots.yaml:2: http.port: expected a port number from 0 to 65535, got 70000",
  ]);
  expect(problems(`http:\n  port: 9464\n  hots: 0.0.0.0\n${BOT}`)).toEqual([
    'bots.yaml:3: http.hots: unknown key "hots"; did you mean "host"?',
  ]);
  expect(problems(`htp: { port: 9464 }\n${BOT}`)).toEqual([
    'bots.yaml:1: htp: unknown key "htp"; did you mean "http"?',
  ]);
  expect(problems(`http: 9464\n${BOT}`)).toEqual([
    "bots.yaml:1: http: expected a map with port, got 9464",
  ]);
});

test("the port can come from the environment", () => {
  const text = `http:\n  port: \${METRICS_PORT}\n${BOT}`;
  expect(checkConfig(text, "bots.yaml", { METRICS_PORT: "9464" }).config.http?.port).toBe(9464);
  expect(problems(text)[0]).toMatch(/^bots\.yaml:2: .*METRICS_PORT/);
});
