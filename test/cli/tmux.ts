/**
 * A command in a real pseudo-terminal: a tmux server of its own (its own
 * socket in a temporary folder, no user configuration), keys typed into
 * the pane, the screen read back. When the command ends the pane shows
 * `[exited N]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TMUX = Bun.which("tmux");

async function tmux(socket: string, args: string[]): Promise<string> {
  const proc = Bun.spawn([TMUX!, "-S", socket, "-f", "/dev/null", ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, status] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (status !== 0) throw new Error(`tmux ${args[0]} failed (${status}): ${err.trim()}`);
  return out;
}

export class Pane {
  private constructor(private readonly socket: string) {}

  /** Starts `argv` in a new 120×30 terminal. */
  static async start(argv: string[], cwd: string): Promise<Pane> {
    const socket = join(mkdtempSync(join(tmpdir(), "scalar-tmux-")), "socket");
    // The shell stays after the command so its exit status can be read off the screen.
    const script = `"$@"; echo "[exited $?]"; exec sleep 600`;
    await tmux(socket, [
      "new-session",
      "-d",
      "-x",
      "120",
      "-y",
      "30",
      "-c",
      cwd,
      "sh",
      "-c",
      script,
      "sh",
      ...argv,
    ]);
    return new Pane(socket);
  }

  /** The visible screen, wrapped lines joined, trailing blank lines dropped. */
  async screen(): Promise<string> {
    const text = await tmux(this.socket, ["capture-pane", "-p", "-J", "-t", "0"]);
    return text.replace(/\s+$/, "");
  }

  /** The line the cursor is on (the prompt and what is typed there). */
  async cursorLine(): Promise<string> {
    const y = Number((await tmux(this.socket, ["display", "-p", "-t", "0", "#{cursor_y}"])).trim());
    return ((await this.screen()).split("\n")[y] ?? "").trimEnd();
  }

  /** Resolves once the cursor's line is `expected` (a prompt redrawn after a line printed above it). */
  async waitForCursorLine(expected: string, within = 5000): Promise<void> {
    const deadline = Date.now() + within;
    for (;;) {
      const line = await this.cursorLine();
      if (line === expected) return;
      if (Date.now() > deadline) {
        throw new Error(
          `the cursor's line is ${JSON.stringify(line)}, not ${JSON.stringify(expected)}`,
        );
      }
      await Bun.sleep(20);
    }
  }

  /**
   * Resolves with the screen once `pattern` is on it. tmux tells nothing
   * when the screen changes, so it is read again every 20 ms, up to `within`.
   */
  async waitFor(pattern: RegExp | string, within = 5000): Promise<string> {
    const deadline = Date.now() + within;
    for (;;) {
      const screen = await this.screen();
      if (typeof pattern === "string" ? screen.includes(pattern) : pattern.test(screen)) {
        return screen;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `not on the screen within ${within} ms: ${pattern}\n--- screen:\n${screen}`,
        );
      }
      await Bun.sleep(20);
    }
  }

  /** Types text as is (no key names). */
  async type(text: string): Promise<void> {
    await tmux(this.socket, ["send-keys", "-t", "0", "-l", text]);
  }

  /** Presses keys by tmux name: `Enter`, `C-c`, `C-d`, `C-u`. */
  async press(...keys: string[]): Promise<void> {
    await tmux(this.socket, ["send-keys", "-t", "0", ...keys]);
  }

  /** Types a line and presses Enter. */
  async line(text: string): Promise<void> {
    await this.type(text);
    await this.press("Enter");
  }

  /** Ends the tmux server of this pane, and what runs in it; removes its socket. */
  async close(): Promise<void> {
    await tmux(this.socket, ["kill-server"]).catch(() => {});
    rmSync(join(this.socket, ".."), { recursive: true, force: true });
  }
}
