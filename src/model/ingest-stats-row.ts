/**
 * The ingest statistics record: one row per vendor and period, carried on the
 * `ingest-stats` stream and stored by the lake as table `ingest_stats`.
 */

/** Name of the stream that carries ingest statistics. */
export const STATS_STREAM = 'ingest-stats';

/** One row of table `ingest_stats`. */
export interface IngestStatsRow {
  id: string;
  vendor: string;
  periodStart: string;
  periodSeconds: number;
  host: string;
  pid: number;
  requests: number;
  records: number;
  offers: number;
  /** Offers whose base plus taxes differ from their total (`amountsInconsistent`); absent in rows of older releases. */
  inconsistentOffers?: number;
  /** Accepted records kept with a flag, per flag (`unknownAirport`, `amountsInconsistent`); absent in rows of older releases. */
  flaggedRecords?: Record<string, number>;
  bytesIn: number;
  rejections: Record<string, number>;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

/** Stream bytes of a stats row (JSON, UTF-8). */
export function encodeIngestStatsRow(r: IngestStatsRow): Buffer {
  return Buffer.from(JSON.stringify(r));
}

/** Reads a stats row back from stream bytes. Throws SyntaxError on foreign bytes. */
export function decodeIngestStatsRow(data: Uint8Array): IngestStatsRow {
  return JSON.parse(Buffer.from(data).toString('utf8')) as IngestStatsRow;
}
