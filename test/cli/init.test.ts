/**
 * `scalar init`, through the package's launcher: the files it writes, the
 * folders it refuses, and a generated project that tests, validates and
 * runs (its `node_modules/scalarbot` is this checkout, as after `npm
 * install` of a folder; .ci/package-check.sh does the same from the packed
 * tarball with npm).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/client/clock.ts";
import { Connection } from "../../src/client/connection.ts";
import { tcpDialer } from "../../src/client/tcp-transport.ts";
import type { EventFrame } from "../../src/protocol/index.ts";
import { linkScalarbot, ROOT, scalar, startScalar } from "./project.ts";

const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const base = mkdtempSync(join(tmpdir(), "scalar-init-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const FILES = [
  ".gitignore",
  "README.md",
  "bots.yaml",
  "package.json",
  "plugins/hello.ts",
  "test/hello.test.ts",
  "tsconfig.json",
];

function readJson(path: string) {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("scalar init", () => {
  test("writes the project, its package.json pinned to this scalarbot and its Bun", async () => {
    const result = await scalar(["init", "My Bot"], base);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const dir = join(base, "My Bot");
    const created = /^created My Bot: (.*)$/m.exec(result.stdout)?.[1];
    expect(created?.split(", ").sort()).toEqual(FILES);
    for (const file of FILES) expect(existsSync(join(dir, file))).toBe(true);
    const pkg = readJson(join(dir, "package.json"));
    expect(pkg.name).toBe("my-bot");
    expect(pkg.scripts).toEqual({
      start: "scalar run bots.yaml",
      test: "bun test",
      typecheck: "tsc --noEmit",
      validate: "scalar validate bots.yaml",
    });
    expect(pkg.dependencies).toEqual({ scalarbot: own.version });
    expect(pkg.devDependencies).toEqual({
      "@types/bun": own.dependencies["@types/bun"],
      bun: own.dependencies.bun,
      typescript: own.devDependencies.typescript,
    });
    const ignored = readFileSync(join(dir, ".gitignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining(["node_modules/", "data/", "logs/"]));
    expect(readFileSync(join(dir, "README.md"), "utf8")).toStartWith("# my-bot\n");
    expect(existsSync(join(dir, "gitignore"))).toBe(false);
  });

  test("refuses a folder that is not empty, and writes nothing there", async () => {
    const dir = join(base, "taken");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    const result = await scalar(["init", "taken"], base);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`scalar init: ${dir} is not empty (notes.txt)`);
    expect(result.stderr).toContain("--force");
    expect(existsSync(join(dir, "package.json"))).toBe(false);
  });

  test("--force writes into it, replacing files of the same name and keeping the others", async () => {
    const dir = join(base, "forced");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    writeFileSync(join(dir, "bots.yaml"), "old");
    const result = await scalar(["init", "--force"], dir);
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(readFileSync(join(dir, "bots.yaml"), "utf8")).toContain("embedded:");
  });

  test("a folder holding only .git counts as empty", async () => {
    const dir = join(base, "fresh-repo");
    mkdirSync(join(dir, ".git"), { recursive: true });
    expect((await scalar(["init", "fresh-repo"], base)).status).toBe(0);
  });

  test("--scalarbot: a path is written as file: relative to the project, a range as given", async () => {
    await scalar(["init", "a/b", "--scalarbot", "./pkg/scalarbot-9.9.9.tgz"], base);
    expect(readJson(join(base, "a/b/package.json")).dependencies.scalarbot).toBe(
      "file:../../pkg/scalarbot-9.9.9.tgz",
    );
    await scalar(["init", "ranged", "--scalarbot", "^0.1.0"], base);
    expect(readJson(join(base, "ranged/package.json")).dependencies.scalarbot).toBe("^0.1.0");
  });
});

describe("a generated project", () => {
  const dir = join(base, "mybot");

  test("its tests pass and its configuration validates", async () => {
    expect((await scalar(["init", "mybot"], base)).status).toBe(0);
    linkScalarbot(dir);
    const run = Bun.spawn([process.execPath, "test"], {
      cwd: dir,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    const [output, status] = await Promise.all([new Response(run.stderr).text(), run.exited]);
    expect(output).toContain(" 2 pass");
    expect(status).toBe(0);
    const valid = await scalar(["validate", "bots.yaml"], dir);
    expect(valid.stdout).toContain("bots.yaml: ok (2 bots: logbot@localhost, hello@localhost)");
  }, 20_000);

  test("scalar run answers !hello and stops gracefully on SIGTERM", async () => {
    const running = startScalar(["run", "bots.yaml"], dir, { SCALAR_PORT: "0" });
    try {
      const listening = await running.waitFor(/listening on 127\.0\.0\.1:\d+/);
      await running.waitFor(/bots started/);
      const port = Number(/:(\d+)\s*$/.exec(listening)![1]);
      const replies: EventFrame[] = [];
      let answered!: () => void;
      const answer = new Promise<void>((resolve) => {
        answered = resolve;
      });
      const alice = await Connection.open(tcpDialer("127.0.0.1", port), {
        clock: systemClock,
        requestTimeout: 5000,
        onEvent: (event) => {
          if (event.from !== "hello@localhost" || event.kind !== "message") return;
          replies.push(event);
          answered();
        },
        onClose: () => {},
      });
      try {
        await alice.request({ type: "identify", id: "alice" });
        await alice.request({ type: "subscribe", topic: "#general" });
        await alice.request({ type: "message", to: "#general", body: "!hello" });
        await answer;
        expect(replies[0]!.body).toBe("Hello, alice!");
      } finally {
        alice.close();
      }
      running.proc.kill("SIGTERM");
      expect(await running.proc.exited).toBe(0);
      expect(running.output()).toContain("runner: SIGTERM, stopping");
    } finally {
      running.proc.kill("SIGKILL");
    }
  }, 20_000);
});
