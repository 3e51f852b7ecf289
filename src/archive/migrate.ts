/**
 * Folders of older versions (`%23general@localhost`) renamed to the
 * readable form (`#general@localhost`, names.ts). A rename is atomic; when
 * both forms exist, the old folder's day files move over one by one, and a
 * day both have stays where it is (both are read, and it is said).
 */
import { existsSync, readdirSync, renameSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { folderTopic, isLegacyFolder, topicFolder } from "./names.ts";

export interface Migrated {
  /** Old folder → new folder, for each folder renamed or emptied into the new one. */
  moved: [from: string, to: string][];
  /** Day files left in an old folder because the new one has that day too. */
  kept: string[];
}

export function migrateFolders(dir: string): Migrated {
  const result: Migrated = { moved: [], kept: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return result;
  }
  for (const name of names) {
    if (!isLegacyFolder(name)) continue;
    const target = topicFolder(folderTopic(name)!);
    const from = join(dir, name);
    const to = join(dir, target);
    if (!existsSync(to)) {
      renameSync(from, to);
      result.moved.push([name, target]);
      continue;
    }
    for (const file of readdirSync(from)) {
      if (existsSync(join(to, file))) result.kept.push(join(name, file));
      else renameSync(join(from, file), join(to, file));
    }
    try {
      rmdirSync(from);
      result.moved.push([name, target]);
    } catch {
      // Not empty: a day both folders have.
    }
  }
  return result;
}
