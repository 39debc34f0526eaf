/**
 * How the lake writer reads each stream it consumes: stream bytes to the record the
 * Parquet writer gets, plus the vendor and instant that place it in a partition.
 */
import { decodeDeadLetter } from '../ingest/dead-letter.js';
import type { IngestStatsRow } from '../ingest/ingest-stats.js';
import { decodeRecord } from '../model/codec.js';
import type { LakeSource } from './tables.js';

/** A decoded stream record, ready for a partition. */
export interface DecodedInput {
  /** What the Parquet writer turns into rows (JSON-serialisable). */
  readonly record: object;
  readonly vendor: string;
  /** Epoch ms that picks the `dt`/`hour` partition (NaN when the record has no valid instant). */
  readonly timeMs: number;
}

/** Decoder of each source's stream bytes. Throws on bytes that are not such a record. */
export const SOURCE_DECODERS: Readonly<Record<LakeSource, (data: Uint8Array) => DecodedInput>> = {
  shopping: (data) => {
    const record = decodeRecord(data);
    return { record, vendor: record.vendor, timeMs: Date.parse(record.receivedAt) };
  },
  stats: (data) => {
    const row = JSON.parse(Buffer.from(data).toString('utf8')) as IngestStatsRow;
    if (typeof row !== 'object' || row === null || typeof row.vendor !== 'string')
      throw new Error('not an ingest stats row');
    const rejections = Object.entries(row.rejections ?? {}).map(([reason, count]) => ({
      reason,
      count,
    }));
    return {
      record: { ...row, rejections },
      vendor: row.vendor,
      timeMs: Date.parse(row.periodStart),
    };
  },
  deadLetters: (data) => {
    const d = decodeDeadLetter(data);
    if (typeof d !== 'object' || d === null || typeof d.vendor !== 'string')
      throw new Error('not a dead letter');
    return { record: d, vendor: d.vendor, timeMs: Date.parse(d.receivedAt) };
  },
};
