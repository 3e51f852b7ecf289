/**
 * `scalar logs serve`: the archive's web viewer (src/archive/web) on its
 * own Bun server, loopback by default, until SIGINT or SIGTERM. Prints
 * `listening on http://HOST:PORT` once ready.
 */
import { existsSync } from "node:fs";
import { createArchiveApp } from "../archive/web/app.ts";
import { EXIT, fail, usageError } from "./exit.ts";
import type { ServeFlags } from "./logs.ts";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export async function serveLogs(flags: ServeFlags): Promise<void> {
  if (!existsSync(flags.dir)) usageError(`no archive at ${flags.dir}: the folder does not exist`);
  const token = flags.token ?? process.env.SCALAR_LOGS_TOKEN;
  if (!LOOPBACK.has(flags.host) && token === undefined) {
    process.stderr.write(
      `warning: serving ${flags.dir} on ${flags.host}, beyond this machine, without an access token (--token or $SCALAR_LOGS_TOKEN)\n`,
    );
  }
  const app = createArchiveApp({ dir: flags.dir, ...(token === undefined ? {} : { token }) });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: flags.host,
      port: flags.port,
      // Live views are long requests; they send a comment every 5 s.
      idleTimeout: 30,
      fetch: (request) => app.fetch(request),
    });
  } catch (error) {
    app.close();
    const inUse = String((error as { code?: unknown })?.code ?? error).includes("EADDRINUSE");
    fail(
      `cannot listen on ${flags.host}:${flags.port}: ${inUse ? "the port is in use (choose another with --port)" : String((error as Error)?.message ?? error)}`,
    );
  }
  const shown = flags.host.includes(":") ? `[${flags.host}]` : flags.host;
  process.stdout.write(`listening on http://${shown}:${server.port}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  app.close();
  await server.stop(true);
  process.exit(EXIT.ok);
}
