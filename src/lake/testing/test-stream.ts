/**
 * For lake tests: an embedded stream that keeps everything (no retention, no trim timer),
 * connected, in `dir`; and the append of a record as ingest makes it.
 */
import { encodeRecord } from '../../model/codec.js';
import { marketKey, type ShoppingRecord } from '../../model/shopping-record.js';
import { EmbeddedStream } from '../../stream/embedded/embedded-stream.js';
import type { AppendRecord } from '../../stream/stream.js';

export async function openTestStream(
  dir: string,
  name: string,
  opts: { shards?: number; dedupeWindowMs?: number } = {},
): Promise<EmbeddedStream> {
  const s = new EmbeddedStream({
    dir,
    name,
    shards: opts.shards ?? 1,
    retentionMs: 10 * 365 * 86_400_000,
    dedupeWindowMs: opts.dedupeWindowMs ?? 0,
    trimIntervalMs: 0,
  });
  await s.connect();
  return s;
}

/** `r` as ingest appends it: keyed by market, deduplicated by its id, encoded, at its receivedAt. */
export function recordAppend(r: ShoppingRecord): AppendRecord {
  return {
    key: marketKey(r),
    id: r.id,
    data: encodeRecord(r),
    timestamp: Date.parse(r.receivedAt),
  };
}
