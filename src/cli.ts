#!/usr/bin/env bun
/**
 * The `scalar` command. Each area registers its own subcommands; this file
 * only wires them together and maps usage errors to exit status 2.
 */
import { Command, CommanderError } from "commander";
import { registerRuntimeCommands } from "./cli/commands.ts";
import { registerServerCommand } from "./server/cli.ts";

export function buildProgram(): Command {
  const program = new Command("scalar")
    .description("Scalar chat server and bot runtime")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerServerCommand(program);
  registerRuntimeCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors with 2.
      process.exit(error.exitCode === 0 ? 0 : 2);
    }
    throw error;
  }
}

if (import.meta.main) await main(process.argv);
