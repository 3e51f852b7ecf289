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
import type { Verdict } from "../authenticator.ts";
import { clipText, MAX_LOG_TEXT_BYTES } from "../clip.ts";
import { type Connection, HOLD_AUTH } from "../connection.ts";
import type { ServerContext } from "../context.ts";

/** Refused identifies (bad token, foreign ID, throttled) after which a connection is closed. */
export const CONNECTION_REFUSALS = 3;

/**
 * Checks the identity, then welcomes. In token mode a slow hash is checked
 * off the event loop: the connection's later requests wait (its input is
 * held) until the verdict, so replies stay in order.
 */
export function handleIdentify(
  ctx: ServerContext,
  conn: Connection,
  request: IdentifyRequest,
  ref: Ref | undefined,
): void {
  const { options } = ctx;
  if (conn.identified)
    throw new ScalarError("already_identified", `already identified as ${conn.id}`);
  // A malformed ID is bad_topic (§3), like any other name.
  const name = parseId(request.id, options.domain);
  if (name.domain !== options.domain) {
    // This server does not federate: foreign identities are refused.
    throw refusal(conn, "auth_failed", `${name.full} is not an identity of ${options.domain}`);
  }
  const id = name.full;
  if (ctx.auth === undefined) {
    welcome(ctx, conn, id, request, ref);
    return;
  }
  const verdict = ctx.auth.verify(id, request.token, conn.addressKey);
  if (typeof verdict !== "object") {
    conclude(ctx, conn, id, request, ref, verdict);
    return;
  }
  conn.hold(HOLD_AUTH);
  verdict.then((outcome) => {
    if (conn.closing) return;
    try {
      conclude(ctx, conn, id, request, ref, outcome);
    } catch (error) {
      if (error instanceof ScalarError) {
        error.re ??= "identify";
        error.ref ??= ref;
      }
      conn.fail(error);
    }
    conn.release(HOLD_AUTH);
  });
}

function conclude(
  ctx: ServerContext,
  conn: Connection,
  id: string,
  request: IdentifyRequest,
  ref: Ref | undefined,
  verdict: Verdict,
): void {
  if (verdict === true) {
    welcome(ctx, conn, id, request, ref);
    return;
  }
  ctx.log.log("info", "auth_failed", { conn: conn.serial, id, throttled: verdict === "throttled" });
  if (verdict === "throttled") {
    throw refusal(
      conn,
      "rate_limited",
      `too many failed identifies from ${conn.addressKey}; wait and try again`,
    );
  }
  throw refusal(conn, "auth_failed", `bad or missing token for ${id}`);
}

/** A refused identify; the connection's last one closes it. */
function refusal(conn: Connection, code: "auth_failed" | "rate_limited", message: string) {
  conn.refusedIdentifies++;
  if (conn.refusedIdentifies < CONNECTION_REFUSALS) return new ScalarError(code, message);
  return new ScalarError(code, `${message} (closing after ${CONNECTION_REFUSALS} refusals)`, {
    fatal: true,
  });
}

function welcome(
  ctx: ServerContext,
  conn: Connection,
  id: string,
  request: IdentifyRequest,
  ref: Ref | undefined,
): void {
  const { options, hub } = ctx;
  conn.id = id;
  conn.admin = options.admins.has(id);
  const own = hub.identified(id);
  const wall = hub.topic(wallTopic(options.domain), "reserved");
  hub.sharedBy(own, conn);
  wall.subscribers.add(conn);
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
