/**
 * Browsing one Kinesis shard outside any consumer group (the Console's message viewer).
 * Record sequences come from the sequence index (kinesis-positions.ts), so the shard is
 * indexed to its end first; the start entry is found there (by sequence, or by record
 * time as a rewind by time finds it: Kinesis's AT_TIMESTAMP is arrival time, which only
 * approximates the record timestamps the contract means), then read from Kinesis with an
 * AT_SEQUENCE_NUMBER iterator. No checkpoint is read or written.
 */
import type { BrowseFrom, StreamRecord } from '../stream.js';
import type { IndexedShards } from './kinesis-positions.js';
import { MAX_GET_RECORDS } from './shard-cursor.js';

/** Empty GetRecords pages tolerated while Kinesis still reports data behind the cursor. */
const MAX_EMPTY_PAGES = 100;

/** Up to `limit` records of `shard` from `from` on, in order. RangeError for a shard out of range. */
export async function browseShard(
  s: IndexedShards,
  shard: number,
  from: BrowseFrom,
  limit: number,
): Promise<StreamRecord[]> {
  if (!Number.isInteger(shard) || shard < 0 || shard >= s.shards)
    throw new RangeError(`stream ${s.name} has no shard ${shard} (0..${s.shards - 1})`);
  const out: StreamRecord[] = [];
  if (limit <= 0) return out;
  await s.index.catchUp(shard);
  const start =
    'seq' in from
      ? await s.store.entryForSeq(s.streamId, shard, from.seq)
      : await s.store.entryForTime(s.streamId, shard, from.time);
  if (!start) return out;
  const cursor = s.openCursor(shard, { type: 'AT_SEQUENCE_NUMBER', kseq: start.kseq });
  // Records before `floor` are skipped: before the sequence, or, in the start entry,
  // before its first record at or after the time.
  let floor = 'seq' in from ? from.seq : undefined;
  let pred: string | undefined;
  for (let empty = 0; out.length < limit; ) {
    const page = await cursor.next(Math.min(MAX_GET_RECORDS, limit - out.length));
    if (page.entries.length === 0) {
      if (cursor.ended || page.behindMs === 0 || ++empty > MAX_EMPTY_PAGES) break;
      continue;
    }
    empty = 0;
    const rows = await s.index.resolve(shard, page.entries, pred);
    pred = page.entries.at(-1)!.kseq;
    page.entries.forEach((e, j) => {
      const row = rows[j]!;
      if (floor === undefined && 'time' in from)
        floor =
          row.firstSeq +
          Math.max(
            0,
            e.records.findIndex((r) => r.timestamp >= from.time),
          );
      if (row.trimmed) return;
      e.records.forEach((r, i) => {
        const seq = row.firstSeq + i;
        if (seq < (floor ?? 0) || out.length >= limit) return;
        out.push({ shard, seq, key: r.key, id: r.id, data: r.data, timestamp: r.timestamp });
      });
    });
  }
  return out;
}
