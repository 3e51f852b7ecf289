import type { Command } from "commander";
import { makeTokenHash } from "./auth.ts";

/**
 * Adds `scalar hash-token [ID]`: reads a token on stdin and prints the line
 * a tokens file takes, `ID HASH` (or the hash alone without an ID). The
 * token is stdin's bytes less one trailing newline, so both
 * `printf %s "$TOKEN" | scalar hash-token alice` and `echo "$TOKEN" | …`
 * give the same hash.
 */
export function registerHashTokenCommand(program: Command): void {
  program
    .command("hash-token")
    .description("hash a token read on stdin for a tokens file (argon2id, salted)")
    .argument("[id]", "the ID the line is for")
    .action(async (id: string | undefined) => {
      const token = withoutNewline(new Uint8Array(await Bun.stdin.arrayBuffer()));
      if (token.length === 0) {
        process.stderr.write("error: no token on stdin\n");
        process.exit(2);
      }
      const hash = await makeTokenHash(token);
      process.stdout.write(id === undefined ? `${hash}\n` : `${id} ${hash}\n`);
    });
}

function withoutNewline(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  return bytes.subarray(0, end);
}
