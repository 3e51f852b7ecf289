/** What can go wrong reading, indexing or querying an archive. */
export type ArchiveErrorCode =
  | "no_archive"
  | "no_topic"
  | "read_failed"
  | "index_failed"
  | "bad_time"
  | "bad_query"
  | "bad_cursor"
  | "writer_running";

export class ArchiveError extends Error {
  override readonly name = "ArchiveError";
  constructor(
    readonly code: ArchiveErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
