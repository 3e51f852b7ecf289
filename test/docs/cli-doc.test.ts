/**
 * docs/cli.md must not drift from the CLI: every command it documents
 * exists, and every flag in a command's section is one that command takes
 * (and the other way round).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli.ts";

const doc = readFileSync(join(import.meta.dir, "../../docs/cli.md"), "utf8");
const sections = doc.split(/^## `scalar /m).slice(1);
const program = buildProgram();

describe("docs/cli.md", () => {
  test("documents every command", () => {
    const documented = sections.map((s) => s.split(/[ `]/)[0]);
    const commands = program.commands.map((c) => c.name()).filter((n) => n !== "help");
    expect(documented.sort()).toEqual(commands.sort());
  });

  const flags = (text: string) => [...text.matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]);
  const own = (command: Command) =>
    command.options.map((o) => o.long).filter((f) => f !== "--help");
  for (const section of sections) {
    const name = section.split(/[ `]/)[0]!;
    // A subcommand has its own `### \`scalar NAME SUB\`` part of the section.
    const [head, ...subs] = section.split(/^### `scalar [a-z-]+ /m);
    test(`${name}: the flags in its table are the command's flags`, () => {
      const command = program.commands.find((c) => c.name() === name)!;
      expect(flags(head!).sort()).toEqual(own(command).sort() as string[]);
    });
    for (const sub of subs) {
      const subName = sub.split(/[ `]/)[0]!;
      test(`${name} ${subName}: the flags in its table are the subcommand's flags`, () => {
        const command = program.commands.find((c) => c.name() === name)!;
        const subcommand = command.commands.find((c) => c.name() === subName)!;
        expect(flags(sub).sort()).toEqual(own(subcommand).sort() as string[]);
      });
    }
  }
});
