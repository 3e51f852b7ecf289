import { decodeEnvelope, parseRequest, type Ref, ScalarError } from "../protocol/index.ts";
import type { Connection } from "./connection.ts";
import type { ServerContext } from "./context.ts";
import { errorFrame } from "./error-frame.ts";
import { dispatch } from "./handlers/index.ts";

/**
 * Runs one request of a connection: pongs, the request bucket, identify
 * first, replies in order behind messages still being stored; an error
 * becomes the request's `error` reply (connection.ts `fail`).
 */
export function runRequest(ctx: ServerContext, conn: Connection, payload: Uint8Array): void {
  let type: string | undefined;
  let ref: Ref | undefined;
  try {
    const envelope = decodeEnvelope(payload);
    type = envelope.type;
    ref = envelope.ref;
    if (type === "pong") {
      // Never answered, even malformed or before identify.
      conn.pingSentAt = 0;
      return;
    }
    if (type !== "message" && !conn.requestBucket.take()) {
      // A flood gets one of these per request: no exception, no general encoder.
      if (conn.unsettled > 0) ctx.hub.settle();
      conn.send(errorFrame("rate_limited", "too many requests; slow down", false, type, ref));
      return;
    }
    if (!conn.identified && type !== "identify" && type !== "ping") {
      throw new ScalarError("not_identified", `${type}: identify first`);
    }
    // Replies leave in order: one to a request after a message still
    // being stored waits for that message's `sent` (messages queue behind it).
    if (conn.unsettled > 0 && type !== "message") ctx.hub.settle();
    dispatch(ctx, conn, parseRequest(envelope), ref);
  } catch (error) {
    if (error instanceof ScalarError) {
      // `ref` stays undefined when the envelope itself was bad (a bad
      // `ref` gets bad_message without one).
      error.ref ??= ref;
      error.re ??= type;
    }
    conn.fail(error);
  }
}
