import type { PingMessage, Ref } from "../../protocol/index.ts";
import type { Connection } from "../connection.ts";

/** `pong` carries the received `at` unchanged (a DateTime keeps the wire number). */
export function handlePing(conn: Connection, request: PingMessage, ref: Ref | undefined): void {
  conn.reply({ type: "pong", at: request.at }, ref);
}
