/**
 * A topic's live view: Server-Sent Events, one `line` event a new archive
 * line, with `id: <day>:<offset>` — the byte offset after the line in that
 * day's file. A browser that reconnects sends the last id as
 * `Last-Event-ID` and the stream goes on right after that line: nothing
 * twice, nothing left out. A comment every few seconds keeps proxies and
 * idle timeouts from closing a quiet stream.
 */

import { Follower } from "../follow.ts";
import type { Entry } from "../list.ts";
import type { Archive } from "../reader.ts";
import { isDay } from "./pages.ts";
import { daySeparator, lineHtml, type Site } from "./render.ts";

export interface LivePosition {
  day: string;
  offset: number;
}

/** `2026-12-01:1234` → its day and offset; undefined for anything else. */
export function parsePosition(text: string | null | undefined): LivePosition | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}):(\d+)$/.exec(text ?? "");
  if (m === null || !isDay(m[1]!)) return undefined;
  return { day: m[1]!, offset: Number(m[2]) };
}

export interface LiveOptions {
  heartbeatMs: number;
  /** Told when the stream ends, so the app can close the ones still open at its close. */
  streams: Set<() => void>;
}

export function liveResponse(
  site: Site,
  archive: Archive,
  topic: string,
  after: LivePosition | undefined,
  options: LiveOptions,
): Response {
  const encoder = new TextEncoder();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let lastDay = after?.day;
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      const follower = new Follower(archive.files, {
        topics: (t) => t === topic,
        ...(after === undefined
          ? {}
          : {
              start: (file) =>
                file.day < after.day ? undefined : file.day === after.day ? after.offset : 0,
            }),
        onEntries: (entries: Entry[]) => {
          let text = "";
          for (const e of entries) {
            const sep =
              lastDay !== undefined && e.day !== lastDay ? daySeparator(site, topic, e.day) : "";
            lastDay = e.day;
            const data = JSON.stringify({
              day: e.day,
              line: e.line,
              html: sep + lineHtml(site, topic, e.day, e.line),
            });
            text += `id: ${e.day}:${e.end}\nevent: line\ndata: ${data}\n\n`;
          }
          send(text);
        },
      });
      const beat = setInterval(() => send(": still here\n\n"), options.heartbeatMs);
      stop = () => {
        follower.close();
        clearInterval(beat);
        options.streams.delete(stop);
        try {
          controller.close();
        } catch {
          // Closed by the client already.
        }
      };
      options.streams.add(stop);
      send("retry: 2000\n: live\n\n");
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}
