/**
 * The `github` plugin as a bot runs it, without its options schema
 * (options.ts; ../github.ts joins the two): a webhook route
 * (`POST /bots/<bot id>/github`) that posts pushes and pull requests to a
 * channel. Every delivery's
 * `X-Hub-Signature-256` is checked against the shared secret; one that
 * fails never gets further (401). GitHub's `ping` is answered, other
 * events are acknowledged and left alone. The message is queued and the
 * delivery answered 202 at once, so a bot waiting for its server does not
 * make GitHub time out.
 */
import { definePlugin } from "../../bot/index.ts";
import { github, verified } from "../../http/signature.ts";
import type { GithubOptions } from "./options.ts";

interface Push {
  ref?: string;
  created?: boolean;
  deleted?: boolean;
  forced?: boolean;
  compare?: string;
  repository?: { full_name?: string };
  sender?: { login?: string };
  pusher?: { name?: string };
  commits?: { id?: string; message?: string }[];
}

interface PullRequestEvent {
  action?: string;
  number?: number;
  repository?: { full_name?: string };
  sender?: { login?: string };
  pull_request?: { title?: string; html_url?: string; merged?: boolean };
}

/** One line of outside text: no line breaks, at most `max` characters. */
function line(text: unknown, max = 100): string {
  const first = String(text ?? "")
    .split(/\r?\n/)[0]!
    .trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The message for a push, or undefined for one that says nothing. */
export function describePush(push: Push, listed = 3): string | undefined {
  const repo = line(push.repository?.full_name);
  const who = line(push.sender?.login ?? push.pusher?.name ?? "someone");
  const ref = String(push.ref ?? "");
  const tag = ref.startsWith("refs/tags/");
  const name = line(ref.replace(/^refs\/(heads|tags)\//, ""));
  const what = `${tag ? "tag" : "branch"} ${name}`;
  if (push.deleted) return `[${repo}] ${who} deleted ${what}`;
  const commits = push.commits ?? [];
  if (tag) return `[${repo}] ${who} pushed tag ${name}`;
  if (commits.length === 0) {
    return push.created ? `[${repo}] ${who} created ${what}` : undefined;
  }
  const verb = push.forced ? "force-pushed" : "pushed";
  const lines = [
    `[${repo}] ${who} ${verb} ${plural(commits.length, "commit")} to ${name}${push.compare ? `: ${line(push.compare, 300)}` : ""}`,
    ...commits.slice(0, listed).map((c) => `  ${line(c.id).slice(0, 7)} ${line(c.message)}`),
  ];
  if (commits.length > listed) lines.push(`  … and ${commits.length - listed} more`);
  return lines.join("\n");
}

const PR_VERBS: Record<string, string> = {
  opened: "opened",
  reopened: "reopened",
  ready_for_review: "marked ready for review",
};

/** The message for a pull request event, or undefined for an action not posted. */
export function describePullRequest(event: PullRequestEvent): string | undefined {
  const action = event.action ?? "";
  const verb =
    action === "closed" ? (event.pull_request?.merged ? "merged" : "closed") : PR_VERBS[action];
  if (verb === undefined) return undefined;
  const repo = line(event.repository?.full_name);
  const who = line(event.sender?.login ?? "someone");
  const pr = event.pull_request ?? {};
  const url = pr.html_url ? ` ${line(pr.html_url, 300)}` : "";
  return `[${repo}] ${who} ${verb} pull request #${event.number ?? "?"}: ${line(pr.title)}${url}`;
}

/** Push payloads carry up to 20 commits with their file lists: more than the 1 MiB default. */
const GITHUB_BODY_LIMIT = { maxBytes: 5 * 1024 * 1024 };

const answer = (status: number, text: string) =>
  new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

export default definePlugin<GithubOptions>({
  name: "github",
  setup(bot, options) {
    bot.http.post(
      options.path,
      verified(
        github(options.secret),
        async (request, ctx) => {
          const event = request.headers.get("x-github-event") ?? "";
          if (event === "ping") return answer(200, "pong");
          if (!(options.events as readonly string[]).includes(event)) {
            return answer(202, `ignored: ${event === "" ? "no X-GitHub-Event" : event}`);
          }
          let payload: unknown;
          try {
            payload = await request.json();
          } catch {
            return answer(400, "expected a JSON body (content type application/json)");
          }
          const text =
            event === "push"
              ? describePush(payload as Push, options.commits)
              : describePullRequest(payload as PullRequestEvent);
          if (text === undefined) return answer(202, `ignored: nothing to say of this ${event}`);
          ctx.bot.send(options.channel, text).catch((error: unknown) => {
            ctx.log.error(`could not post a GitHub ${event} to ${options.channel}: ${error}`);
          });
          return answer(202, "posted");
        },
        GITHUB_BODY_LIMIT,
      ),
    );
  },
});
