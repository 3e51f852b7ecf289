import { type Name, parseName, ScalarError, wallTopic } from "../../protocol/index.ts";
import type { ServerContext } from "../context.ts";

/**
 * Resolves a topic named in a request (not `identify`): §3 syntax, then
 * `wrong_server` for another domain (before any `forbidden`), then reserved
 * names other than the wall are `bad_topic`.
 */
export function resolveTopic(ctx: ServerContext, input: string): Name {
  const name = parseName(input, ctx.options.domain);
  if (name.domain !== ctx.options.domain) {
    throw new ScalarError("wrong_server", `${name.full} lives on another server`);
  }
  if (name.kind === "reserved" && name.full !== wallTopic(ctx.options.domain)) {
    throw new ScalarError("bad_topic", `${name.full}: unknown reserved name`);
  }
  return name;
}
