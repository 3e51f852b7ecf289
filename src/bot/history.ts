/** A bot's `history(topic, query)`: one history request on its connection. */
import type { Client } from "../client/client.ts";
import { DateTime } from "../protocol/index.ts";
import { eventView, type HistoryEvent, type HistoryQuery } from "./api.ts";

/** Past events of `topic`, through `client` (waits for a connection). */
export async function fetchHistory(
  client: Client,
  topic: string,
  query: HistoryQuery,
): Promise<HistoryEvent[]> {
  await client.whenConnected();
  const full = client.fullName(topic);
  const selector =
    query.after !== undefined
      ? { after: query.after }
      : query.since !== undefined
        ? { since: DateTime.fromDate(query.since) }
        : { last: query.last ?? 20 };
  const reply = await client.request({
    type: "history",
    topic: full,
    ...selector,
    ...(query.limit === undefined ? {} : { limit: query.limit }),
  });
  return reply.events.map(eventView);
}
