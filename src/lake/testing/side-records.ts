/** Sample rows of ingest's side streams (statistics and dead letters) for lake tests. */
import { type DeadLetter, deadLetterOf, encodeDeadLetter } from '../../model/dead-letter.js';
import type { IngestStatsRow } from '../../model/ingest-stats-row.js';
import type { AppendRecord } from '../../stream/stream.js';

/** The `i`-th stats row, for `vendor`, period starting at `periodStartMs`. */
export function sampleStatsRow(i: number, vendor: string, periodStartMs: number): IngestStatsRow {
  return {
    id: `host-1-${vendor}-${periodStartMs}`,
    vendor,
    periodStart: new Date(periodStartMs).toISOString(),
    periodSeconds: 60,
    host: 'host',
    pid: 1,
    requests: 10 + i,
    records: 100 + i,
    offers: 700 + i,
    bytesIn: 123_456 + i,
    rejections: i % 2 === 0 ? { 'offers[].currency: not ISO 4217': 2, unauthorized: 1 } : {},
    ...(i % 2 === 0 ? { flaggedRecords: { unknownAirport: 3, amountsInconsistent: 1 } } : {}),
    latencyP50Ms: 1.5,
    latencyP99Ms: i % 2 === 0 ? 12.25 : null,
  };
}

/** The `i`-th dead letter: odd ones carry a binary (base64) payload. */
export function sampleDeadLetter(i: number, vendor: string, receivedAtMs: number): DeadLetter {
  const body = i % 2 === 1 ? Buffer.from([0xff, 0xfe, 0x00, i]) : Buffer.from(`{"bad":${i}}`);
  return deadLetterOf(
    `req-${i}`,
    vendor,
    new Date(receivedAtMs),
    [
      { index: 0, reason: 'origin: not an IATA code' },
      { index: 3, reason: `offers[${i}].currency: not ISO 4217` },
    ],
    body,
    i % 2 === 1 ? 'application/octet-stream' : 'application/json',
  );
}

export function statsAppend(r: IngestStatsRow): AppendRecord {
  return {
    key: r.vendor,
    id: r.id,
    data: Buffer.from(JSON.stringify(r)),
    timestamp: Date.parse(r.periodStart),
  };
}

export function deadLetterAppend(d: DeadLetter): AppendRecord {
  return {
    key: d.vendor,
    id: d.id,
    data: encodeDeadLetter(d),
    timestamp: Date.parse(d.receivedAt),
  };
}
