/**
 * How the lake writer reads each stream it consumes: stream bytes to the record the
 * Parquet writer gets, plus the vendor and instant that place it in a partition.
 */
import { decodeDeadLetter } from '../model/dead-letter.js';
import { decodeIngestStatsRow } from '../model/ingest-stats-row.js';
import { peekShopping } from './duckdb/shopping-staging.js';
import type { LakeSource } from './tables.js';

/** A decoded stream record, ready for a partition. */
export interface DecodedInput {
  /** What the Parquet writer turns into rows: the stream bytes of a shopping record, else the decoded record. */
  readonly input: { readonly data: Uint8Array } | { readonly record: object };
  readonly vendor: string;
  /** Epoch ms that picks the `dt`/`hour` partition (NaN when the record has no valid instant). */
  readonly timeMs: number;
}

/** Decoder of each source's stream bytes. Throws on bytes that are not such a record. */
export const SOURCE_DECODERS: Readonly<Record<LakeSource, (data: Uint8Array) => DecodedInput>> = {
  // Only the head is read here; the Parquet writer transcodes the whole record (and a
  // record whose body is corrupt is found and dead-lettered when its write fails).
  shopping: (data) => {
    const head = peekShopping(data);
    return { input: { data }, vendor: head.vendor, timeMs: head.receivedAtMs };
  },
  stats: (data) => {
    const row = decodeIngestStatsRow(data);
    if (typeof row !== 'object' || row === null || typeof row.vendor !== 'string')
      throw new Error('not an ingest stats row');
    const rejections = Object.entries(row.rejections ?? {}).map(([reason, count]) => ({
      reason,
      count,
    }));
    // rows of older releases have no flags: an empty list, as for a period without any
    const flaggedRecords = Object.entries(row.flaggedRecords ?? {}).map(([flag, count]) => ({
      flag,
      count,
    }));
    return {
      input: { record: { ...row, rejections, flaggedRecords } },
      vendor: row.vendor,
      timeMs: Date.parse(row.periodStart),
    };
  },
  deadLetters: (data) => {
    const d = decodeDeadLetter(data);
    if (typeof d !== 'object' || d === null || typeof d.vendor !== 'string')
      throw new Error('not a dead letter');
    return { input: { record: d }, vendor: d.vendor, timeMs: Date.parse(d.receivedAt) };
  },
};
