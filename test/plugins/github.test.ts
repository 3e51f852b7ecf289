/**
 * The github plugin through the harness: signed push and pull-request
 * deliveries become messages in the channel; a delivery whose signature is
 * wrong or missing is 401 and posts nothing.
 */
import { describe, expect, test } from "bun:test";
import { signGitHub } from "../../src/http/signature.ts";
import { describePullRequest, describePush } from "../../src/plugins/github.ts";
import { createHarness } from "../../src/testing/index.ts";

const SECRET = "webhook secret";

const push = {
  ref: "refs/heads/main",
  compare: "https://github.com/acme/app/compare/1a2b3c4...9f8e7d6",
  repository: { full_name: "acme/app" },
  sender: { login: "alice" },
  commits: [
    { id: "1a2b3c4d5e6f", message: "Fix the frobnicator\n\nLong explanation." },
    { id: "9f8e7d6c5b4a", message: "Add tests" },
  ],
};

const opened = {
  action: "opened",
  number: 12,
  repository: { full_name: "acme/app" },
  sender: { login: "bob" },
  pull_request: { title: "Faster startup", html_url: "https://github.com/acme/app/pull/12" },
};

/** A delivery as GitHub sends it. */
function delivery(event: string, payload: unknown, secret = SECRET) {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": signGitHub(secret, body),
    },
  };
}

async function githubBot(options: Record<string, unknown> = {}) {
  const h = await createHarness({
    bots: [
      {
        id: "gh",
        topics: ["#dev"],
        plugins: [["github", { channel: "#dev", secret: SECRET, ...options }]],
      },
    ],
  });
  const alice = await h.user("alice");
  await alice.join("#dev");
  return { h, alice };
}

describe("github webhooks", () => {
  test("a signed push and a pull request are posted to the channel", async () => {
    const { h, alice } = await githubBot();
    const p = delivery("push", push);
    const response = await h.request("gh", "POST", "/github", p.body, p.headers);
    expect([response.status, await response.text()]).toEqual([202, "posted\n"]);
    await alice.expectMessage({
      from: "gh",
      topic: "#dev",
      body: [
        "[acme/app] alice pushed 2 commits to main: https://github.com/acme/app/compare/1a2b3c4...9f8e7d6",
        "  1a2b3c4 Fix the frobnicator",
        "  9f8e7d6 Add tests",
      ].join("\n"),
    });
    const pr = delivery("pull_request", opened);
    expect((await h.request("gh", "POST", "/github", pr.body, pr.headers)).status).toBe(202);
    await alice.expectMessage({
      from: "gh",
      body: "[acme/app] bob opened pull request #12: Faster startup https://github.com/acme/app/pull/12",
    });
    await h.close();
  });

  test("a wrong or missing signature is 401 and nothing is posted", async () => {
    const { h, alice } = await githubBot();
    const forged = delivery("push", push, "not the secret");
    const wrong = await h.request("gh", "POST", "/github", forged.body, forged.headers);
    expect(wrong.status).toBe(401);
    const { "x-hub-signature-256": _, ...unsigned } = delivery("push", push).headers;
    const missing = await h.request("gh", "POST", "/github", JSON.stringify(push), unsigned);
    expect(missing.status).toBe(401);
    await alice.expectNoMessage({ from: "gh" });
    expect(h.logs.filter((l) => l.includes("github signature refused"))).toHaveLength(2);
    await h.close();
  });

  test("ping is answered; events not configured and actions not posted are acknowledged only", async () => {
    const { h, alice } = await githubBot({ events: ["pull_request"], path: "/hooks/gh" });
    const ping = delivery("ping", { zen: "Design for failure." });
    const pong = await h.request("gh", "POST", "/hooks/gh", ping.body, ping.headers);
    expect([pong.status, await pong.text()]).toEqual([200, "pong\n"]);
    const p = delivery("push", push);
    const ignored = await h.request("gh", "POST", "/hooks/gh", p.body, p.headers);
    expect([ignored.status, await ignored.text()]).toEqual([202, "ignored: push\n"]);
    const labeled = delivery("pull_request", { ...opened, action: "labeled" });
    expect((await h.request("gh", "POST", "/hooks/gh", labeled.body, labeled.headers)).status).toBe(
      202,
    );
    await alice.expectNoMessage({ from: "gh" });
    expect((await h.request("gh", "POST", "/github", p.body, p.headers)).status).toBe(404);
    await h.close();
  });

  test("a signed body that is not JSON is 400", async () => {
    const { h } = await githubBot();
    const headers = {
      "x-github-event": "push",
      "x-hub-signature-256": signGitHub(SECRET, "not json"),
    };
    expect((await h.request("gh", "POST", "/github", "not json", headers)).status).toBe(400);
    await h.close();
  });
});

describe("the messages", () => {
  test("pushes: tags, new and deleted branches, force-pushes, long lists", () => {
    const base = { repository: { full_name: "acme/app" }, sender: { login: "alice" } };
    expect(describePush({ ...base, ref: "refs/tags/v1.2", commits: [] })).toBe(
      "[acme/app] alice pushed tag v1.2",
    );
    expect(describePush({ ...base, ref: "refs/heads/topic", created: true, commits: [] })).toBe(
      "[acme/app] alice created branch topic",
    );
    expect(describePush({ ...base, ref: "refs/heads/topic", deleted: true })).toBe(
      "[acme/app] alice deleted branch topic",
    );
    expect(describePush({ ...base, ref: "refs/heads/main", commits: [] })).toBeUndefined();
    const commits = Array.from({ length: 5 }, (_, i) => ({ id: `abcdef${i}99`, message: `c${i}` }));
    expect(describePush({ ...base, ref: "refs/heads/main", forced: true, commits }, 2)).toBe(
      [
        "[acme/app] alice force-pushed 5 commits to main",
        "  abcdef0 c0",
        "  abcdef1 c1",
        "  … and 3 more",
      ].join("\n"),
    );
  });

  test("pull requests: merged, closed, reopened; other actions are not posted", () => {
    const merged = {
      ...opened,
      action: "closed",
      pull_request: { ...opened.pull_request, merged: true },
    };
    expect(describePullRequest(merged)).toStartWith("[acme/app] bob merged pull request #12");
    expect(describePullRequest({ ...opened, action: "closed" })).toStartWith(
      "[acme/app] bob closed pull request #12",
    );
    expect(describePullRequest({ ...opened, action: "reopened" })).toContain("reopened");
    expect(describePullRequest({ ...opened, action: "synchronize" })).toBeUndefined();
  });

  test("outside text is kept to one line", () => {
    const title = `${"x".repeat(150)}\nsecond line`;
    const text = describePullRequest({ ...opened, pull_request: { title } })!;
    expect(text).not.toContain("\n");
    expect(text).toContain(`${"x".repeat(99)}…`);
  });
});
