/**
 * Webhook signature checks: a request with a wrong, missing or replayed
 * signature, or a body past the limit, is refused and never reaches the
 * handler; a good one reaches it with its body intact.
 */
import { describe, expect, test } from "bun:test";
import type { RouteContext } from "../../src/bot/routes.ts";
import {
  github,
  readBody,
  signGitHub,
  signSlack,
  slack,
  verified,
} from "../../src/http/signature.ts";

const SECRET = "It's a Secret to Everybody";
const warnings: string[] = [];
const ctx = {
  log: { info() {}, warn: (m: string) => warnings.push(m), error() {} },
  params: {},
} as unknown as RouteContext;

/** A wrapped handler and what reached it. */
function guarded(scheme: Parameters<typeof verified>[0], options?: Parameters<typeof verified>[2]) {
  const reached: string[] = [];
  const handler = verified(
    scheme,
    async (request) => {
      reached.push(await request.text());
      return new Response("ok");
    },
    options,
  );
  const call = (body: string, headers: Record<string, string>) =>
    handler(new Request("http://x/bots/b@x/hook", { method: "POST", body, headers }), ctx);
  return { reached, call };
}

describe("GitHub's X-Hub-Signature-256", () => {
  test("GitHub's documented example signature is computed", () => {
    // From GitHub's "Validating webhook deliveries".
    expect(signGitHub(SECRET, "Hello, World!")).toBe(
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    );
  });

  test("a good signature reaches the handler with the body", async () => {
    const { reached, call } = guarded(github(SECRET));
    const body = JSON.stringify({ zen: "Keep it logically awesome." });
    const response = await call(body, { "x-hub-signature-256": signGitHub(SECRET, body) });
    expect(response.status).toBe(200);
    expect(reached).toEqual([body]);
  });

  test("a wrong signature, another secret's, or a changed body is 401 and never reaches it", async () => {
    const { reached, call } = guarded(github(SECRET));
    const body = '{"action":"opened"}';
    const cases = [
      signGitHub("another secret", body),
      signGitHub(SECRET, `${body} `),
      `sha256=${"0".repeat(64)}`,
      "sha256=not-hex",
      `sha1=${"0".repeat(40)}`,
    ];
    for (const signature of cases) {
      const response = await call(body, { "x-hub-signature-256": signature });
      expect(response.status).toBe(401);
      expect(await response.text()).toStartWith("signature check failed: X-Hub-Signature-256");
    }
    expect(reached).toEqual([]);
  });

  test("a missing signature is 401, named in the answer and the log", async () => {
    const { reached, call } = guarded(github(SECRET));
    warnings.length = 0;
    const response = await call("{}", {});
    expect(response.status).toBe(401);
    expect(await response.text()).toBe("signature check failed: no X-Hub-Signature-256 header\n");
    expect(warnings).toEqual([
      "POST /bots/b@x/hook: github signature refused: no X-Hub-Signature-256 header",
    ]);
    expect(reached).toEqual([]);
  });

  test("during a rotation either secret is accepted", async () => {
    const { reached, call } = guarded(github(["new secret", SECRET]));
    await call("a", { "x-hub-signature-256": signGitHub(SECRET, "a") });
    await call("b", { "x-hub-signature-256": signGitHub("new secret", "b") });
    expect(reached).toEqual(["a", "b"]);
  });

  test("an empty secret is refused when the route is made", () => {
    expect(() => github("")).toThrow("github: expected a non-empty secret");
    expect(() => slack([])).toThrow("slack: expected a non-empty secret");
  });
});

describe("Slack's timestamped signature", () => {
  const now = 1_700_000_000_000;
  const seconds = now / 1000;

  test("a fresh signed request reaches the handler", async () => {
    const { reached, call } = guarded(slack(SECRET), { now: () => now });
    const body = "token=x&command=%2Fdeploy";
    const response = await call(body, signSlack(SECRET, body, seconds - 10));
    expect(response.status).toBe(200);
    expect(reached).toEqual([body]);
  });

  test("a replayed request, past the window, is 401 though its signature is right", async () => {
    const { reached, call } = guarded(slack(SECRET, { window: 300 }), { now: () => now });
    const body = "payload=1";
    const old = await call(body, signSlack(SECRET, body, seconds - 301));
    expect(old.status).toBe(401);
    expect(await old.text()).toContain(
      "X-Slack-Request-Timestamp is 301 s old (the window is 300 s)",
    );
    const ahead = await call(body, signSlack(SECRET, body, seconds + 400));
    expect(ahead.status).toBe(401);
    expect(await ahead.text()).toContain("400 s ahead");
    expect(reached).toEqual([]);
  });

  test("a timestamp moved to look fresh breaks the signature", async () => {
    const { reached, call } = guarded(slack(SECRET), { now: () => now });
    const body = "payload=1";
    const headers = signSlack(SECRET, body, seconds - 3600);
    headers["x-slack-request-timestamp"] = String(seconds);
    const response = await call(body, headers);
    expect(response.status).toBe(401);
    expect(await response.text()).toContain("does not match the timestamp and body");
    expect(reached).toEqual([]);
  });

  test("missing headers are 401", async () => {
    const { reached, call } = guarded(slack(SECRET), { now: () => now });
    const signed = signSlack(SECRET, "x", seconds);
    expect((await call("x", {})).status).toBe(401);
    expect((await call("x", { "x-slack-signature": signed["x-slack-signature"] })).status).toBe(
      401,
    );
    expect(
      (await call("x", { "x-slack-request-timestamp": signed["x-slack-request-timestamp"] }))
        .status,
    ).toBe(401);
    expect(reached).toEqual([]);
  });
});

describe("the body-size limit", () => {
  test("a body past the limit is 413 and never reaches the handler, signed or not", async () => {
    const { reached, call } = guarded(github(SECRET), { maxBytes: 16 });
    const body = "x".repeat(17);
    const response = await call(body, { "x-hub-signature-256": signGitHub(SECRET, body) });
    expect(response.status).toBe(413);
    expect(reached).toEqual([]);
    const fits = "x".repeat(16);
    expect((await call(fits, { "x-hub-signature-256": signGitHub(SECRET, fits) })).status).toBe(
      200,
    );
  });

  test("a streamed body without Content-Length is cut at the limit", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(10));
        if (pulled === 100) controller.close();
      },
    });
    const request = new Request("http://x/", { method: "POST", body: stream });
    expect(request.headers.get("content-length")).toBeNull();
    await expect(readBody(request, 25)).rejects.toThrow("larger than 25 bytes");
    expect(pulled).toBeLessThan(10);
  });

  test("a declared Content-Length past the limit is refused before reading", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: "small",
      headers: { "content-length": "999999" },
    });
    await expect(readBody(request, 100)).rejects.toThrow("larger than 100 bytes");
  });
});
