/**
 * The exit statuses of the bot-side commands (docs/cli.md lists them) and
 * the two ways to end with a message, apart from loading a configuration
 * (exit.ts), so a process that runs checked bots has them without the
 * configuration's schema and YAML parser.
 */

export const EXIT = {
  /** Stopped by SIGINT or SIGTERM. */
  ok: 0,
  /** Could not start (the embedded server's address or history file), or a send failed. */
  failed: 1,
  /** A usage or configuration error: bad flags, an invalid file, a plugin that does not load or set up. */
  config: 2,
  /** Every bot gave up reconnecting (`reconnect.maxAttempts`): nothing is left running. */
  gaveUp: 3,
} as const;

/** A usage or configuration error: printed to stderr, exit status 2. */
export function usageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.config);
}

/** A run-time failure: printed to stderr, exit status 1. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.failed);
}

let unflushed: Promise<void> | undefined;

/**
 * Writes to stderr, keeping track of what the stream still holds: Bun
 * queues what a pipe does not take at once, and a process that
 * re-executes itself would lose it (see `flushed`).
 */
export function writeErr(text: string): void {
  if (process.stderr.write(text) || unflushed !== undefined) return;
  unflushed = new Promise((resolve) =>
    process.stderr.once("drain", () => {
      unflushed = undefined;
      resolve();
    }),
  );
}

/** Resolves once what `writeErr` wrote has left the process. */
export function flushed(): Promise<void> {
  return unflushed ?? Promise.resolve();
}
