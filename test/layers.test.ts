/**
 * The layers stay layers: every relative import in src/ is read, and an
 * arrow the architecture forbids fails here (README, "Layout").
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const src = resolve(import.meta.dir, "../src");

/** Folder of src a file belongs to (`cli.ts` at the top is the CLI). */
function layerOf(file: string): string {
  const rel = relative(src, file);
  if (rel === "cli.ts") return "cli";
  if (rel === "index.ts") return "index";
  return rel.split("/")[0]!;
}

/** What each layer may import besides itself (anything not listed is forbidden). */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  client: ["protocol"],
  bot: ["client", "protocol"],
  // The webhook signature checks (src/http/signature.ts) are for plugins too.
  plugins: ["bot", "http", "archive"],
  // The archive (files, index, viewer) is for the logger plugin and the CLI, and imports no layer.
  archive: [],
  config: ["bot", "plugins", "client", "protocol"],
  server: ["protocol"],
  http: ["bot", "client", "protocol"],
  testing: ["server", "bot", "config", "client", "plugins", "protocol", "http"],
  cli: ["protocol", "client", "bot", "plugins", "config", "server", "testing", "http", "archive"],
  index: ["protocol", "client", "bot", "plugins", "config", "server", "cli"],
};

/** Plugins see the bot layer and the archive only through their public entries. */
const PUBLIC_ENTRY: Record<string, readonly string[]> = {
  // archive/time.ts: the logger's options parse `retain` without loading the archive.
  plugins: ["bot/index.ts", "archive/index.ts", "archive/time.ts"],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
  return specs.map((spec) => resolve(dirname(file), spec));
}

test("no import crosses the layers the wrong way", () => {
  const wrong: string[] = [];
  for (const file of sources(src)) {
    const from = layerOf(file);
    for (const target of imports(file)) {
      const to = layerOf(target);
      if (to === from) continue;
      const where = `${relative(src, file)} → ${relative(src, target)}`;
      if (!ALLOWED[from]?.includes(to)) wrong.push(`${where} (${from} may not import ${to})`);
      const entries = PUBLIC_ENTRY[from];
      if (
        entries?.some((e) => e.startsWith(`${to}/`)) &&
        !entries.includes(relative(src, target))
      ) {
        wrong.push(`${where} (${from} uses ${to} through src/${to}/index.ts only)`);
      }
    }
  }
  expect(wrong).toEqual([]);
});

test("every folder of src says what it is for in its opening comment", () => {
  const folders = readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory());
  const silent = folders
    .map((f) => f.name)
    .filter((name) => {
      const index = join(src, name, "index.ts");
      let text: string;
      try {
        text = readFileSync(index, "utf8");
      } catch {
        return true;
      }
      return !text.trimStart().startsWith("/**");
    });
  expect(silent).toEqual([]);
});
