import type { ArenaPins } from "./arena-pins.ts";
import type { Authenticator } from "./authenticator.ts";
import type { ByteBudget } from "./budget.ts";
import type { Connection } from "./connection.ts";
import type { HistoryStore } from "./history/store.ts";
import type { Hub } from "./hub.ts";
import type { Logger } from "./log.ts";
import type { ResolvedOptions } from "./options.ts";
import type { TurnOutput } from "./turn-output.ts";

/** What connections and handlers see of the server. */
export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly hub: Hub;
  readonly store: HistoryStore;
  readonly log: Logger;
  /** Unsent output of all connections together (budget.ts), the arenas they pin included. */
  readonly outputBudget: ByteBudget;
  /** The shared arenas blocked queues keep alive, each counted once. */
  readonly pins: ArenaPins;
  /** Output made this turn and not yet written: past its limit, requests wait for the flush. */
  readonly turn: TurnOutput;
  /** Input read but not yet run of all connections together: half-sent frames, held requests. */
  readonly inputBudget: ByteBudget;
  /** Token checks, in token mode. */
  readonly auth: Authenticator | undefined;
  /** True once `stop()` began: closes then publish no `leave`. */
  readonly stopping: boolean;
  /** Queues a connection whose output is written once the reads of this loop turn are done. */
  markDirty(connection: Connection): void;
  /** A connection finished closing. */
  closed(connection: Connection): void;
}
