import { describeCause } from "../client/errors.ts";

/** A plugin handler threw: kept with the context it failed on. */
export class HandlerError extends Error {
  override readonly name = "HandlerError";
  constructor(
    readonly bot: string,
    readonly plugin: string,
    readonly event: string,
    readonly context: { topic?: string; seq?: number } | undefined,
    cause: unknown,
  ) {
    const where = context?.topic === undefined ? "" : ` at ${context.topic}#${context.seq ?? "?"}`;
    super(`${bot}: plugin ${plugin} failed on ${event}${where}: ${describeCause(cause)}`, {
      cause,
    });
  }
}
