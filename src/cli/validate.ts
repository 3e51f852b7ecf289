/** `scalar validate`: loads the file and its plugins, starts nothing. */
import { prepare } from "./exit.ts";

export async function validateConfig(path: string): Promise<void> {
  const runner = await prepare(path);
  const bots = runner.loaded.config.bots;
  process.stdout.write(
    `${path}: ok (${bots.length} bot${bots.length === 1 ? "" : "s"}: ${bots.map((b) => b.id).join(", ")})\n`,
  );
}
