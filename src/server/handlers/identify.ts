import {
  DateTime,
  type IdentifyRequest,
  MAX_FRAME,
  MAX_NAME_BYTES,
  PROTOCOL_VERSION,
  parseId,
  type Ref,
  ScalarError,
  wallTopic,
} from "../../protocol/index.ts";
import { verifyToken } from "../auth.ts";
import { clipText, MAX_LOG_TEXT_BYTES } from "../clip.ts";
import type { Connection } from "../connection.ts";
import type { ServerContext } from "../context.ts";

export function handleIdentify(
  ctx: ServerContext,
  conn: Connection,
  request: IdentifyRequest,
  ref: Ref | undefined,
): void {
  const { options, hub } = ctx;
  if (conn.identified)
    throw new ScalarError("already_identified", `already identified as ${conn.id}`);
  // A malformed ID is bad_topic (§3), like any other name.
  const name = parseId(request.id, options.domain);
  if (name.domain !== options.domain) {
    // This server does not federate: foreign identities are refused.
    throw new ScalarError("auth_failed", `${name.full} is not an identity of ${options.domain}`);
  }
  const id = name.full;
  if (options.tokens !== undefined && !verifyToken(options.tokens, id, request.token)) {
    ctx.log.log("info", "auth_failed", { conn: conn.serial, id });
    throw new ScalarError("auth_failed", `bad or missing token for ${id}`);
  }
  conn.id = id;
  conn.admin = options.admins.has(id);
  const own = hub.identified(id);
  const wall = hub.topic(wallTopic(options.domain), "reserved");
  own.subscribers.add(conn);
  wall.subscribers.add(conn);
  conn.automatic.push(own, wall);
  ctx.log.log("info", "identified", {
    conn: conn.serial,
    id,
    admin: conn.admin,
    agent: request.agent === undefined ? undefined : clipText(request.agent, MAX_LOG_TEXT_BYTES),
  });
  const welcome: Record<string, unknown> & { type: string } = {
    type: "welcome",
    id,
    server: options.domain,
    version: PROTOCOL_VERSION,
    limits: {
      frame: MAX_FRAME,
      topic: MAX_NAME_BYTES,
      subscriptions: options.maxSubscriptions,
      rate: Math.floor(options.rate),
      burst: Math.floor(options.burst),
    },
    history: ctx.store.keeps(id) || ctx.store.keeps(`#general@${options.domain}`),
    time: DateTime.fromMillis(options.now()),
  };
  if (options.motd !== undefined) welcome.motd = options.motd;
  conn.reply(welcome, ref);
}
