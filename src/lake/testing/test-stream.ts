/**
 * For lake tests: an embedded stream that keeps everything (no retention, no trim timer),
 * connected, in `dir`; and the append of a record as ingest makes it.
 */
import { encodeRecord } from '../../model/codec.js';
import { marketKey, type ShoppingRecord } from '../../model/shopping-record.js';
import type { EmbeddedStream } from '../../stream/embedded/embedded-stream.js';
import { openTestStream as openStreamForTests } from '../../stream/embedded/testing/test-streams.js';
import type { AppendRecord } from '../../stream/stream.js';

export function openTestStream(
  dir: string,
  name: string,
  opts: { shards?: number; dedupeWindowMs?: number } = {},
): Promise<EmbeddedStream> {
  return openStreamForTests(dir, name, {
    shards: opts.shards ?? 1,
    retentionMs: 10 * 365 * 86_400_000,
    dedupeWindowMs: opts.dedupeWindowMs ?? 0,
    pollIntervalMs: 100,
  });
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
