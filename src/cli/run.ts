/** `scalar run`: runs until SIGINT/SIGTERM, then stops gracefully and exits 0. */
import { describeCause } from "../client/errors.ts";
import { fail, prepare } from "./exit.ts";
import { clockTime } from "./runner.ts";

export async function runConfig(path: string): Promise<void> {
  const runner = await prepare(path);
  try {
    await runner.start();
  } catch (error) {
    await runner.stop().catch(() => {});
    fail(`${path}: cannot start: ${describeCause(error)}`);
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      process.stdout.write(`${clockTime()} runner: ${signal}, stopping\n`);
      runner.stop().then(resolve, resolve);
    };
    process.once("SIGINT", () => onSignal("SIGINT"));
    process.once("SIGTERM", () => onSignal("SIGTERM"));
  });
  process.exit(0);
}
