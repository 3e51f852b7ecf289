import type { Ref, Request } from "../../protocol/index.ts";
import type { Connection } from "../connection.ts";
import type { ServerContext } from "../context.ts";
import { handleHistory } from "./history.ts";
import { handleIdentify } from "./identify.ts";
import { handleMessage } from "./message.ts";
import { handlePing } from "./ping.ts";
import { handleSubscribe, handleUnsubscribe } from "./subscribe.ts";
import { handleTopics } from "./topics.ts";

/**
 * Runs one validated request. Handlers reply through the connection or
 * throw a ScalarError, which becomes the `error` reply.
 */
export function dispatch(
  ctx: ServerContext,
  conn: Connection,
  request: Request,
  ref: Ref | undefined,
): void {
  switch (request.type) {
    case "identify":
      handleIdentify(ctx, conn, request, ref);
      return;
    case "subscribe":
      handleSubscribe(ctx, conn, request, ref);
      return;
    case "unsubscribe":
      handleUnsubscribe(ctx, conn, request, ref);
      return;
    case "message":
      handleMessage(ctx, conn, request, ref);
      return;
    case "topics":
      handleTopics(ctx, conn, request, ref);
      return;
    case "history":
      handleHistory(ctx, conn, request, ref);
      return;
    case "ping":
      handlePing(conn, request, ref);
      return;
    case "pong":
      // Never answered (the connection consumed it already).
      return;
  }
}
