import { deadLetterOf, encodeDeadLetter } from '../model/dead-letter.js';
import type { AppendRecord } from '../stream/stream.js';
import { VENDOR_NAME } from './lake-layout.js';
import type { LakeSource } from './tables.js';

/**
 * The dead letter of a record of `source` the lake cannot store, as a record of the
 * dead-letter stream. Its id `lake-<source>-<shard>-<seq>` makes a replay add nothing;
 * a vendor that is not a valid vendor name is filed under `unknown`.
 */
export function lakeDeadLetter(
  source: LakeSource,
  rec: { shard: number; seq: number },
  at: Date,
  reason: string,
  body: Uint8Array,
  vendor = 'unknown',
): AppendRecord {
  const id = `lake-${source}-${rec.shard}-${rec.seq}`;
  const letter = deadLetterOf(
    id,
    VENDOR_NAME.test(vendor) ? vendor : 'unknown',
    at,
    [{ index: -1, reason }],
    Buffer.from(body),
    source === 'shopping' ? 'application/avro' : 'application/json',
    'lake',
  );
  return { key: letter.vendor, id, data: encodeDeadLetter(letter), timestamp: at.getTime() };
}
