/**
 * Whether DuckDB failed because a file it was given is gone: a compaction deleted it (after
 * its grace period) between the reader's listing and its read. Readers that list first
 * (the query engine's views, a pond run) list again and read the partition's current files.
 */
export function isVanishedFile(err: unknown): boolean {
  const msg = (err as Error)?.message ?? '';
  return /No files found|No such file|could not be opened|Cannot open file/i.test(msg);
}
