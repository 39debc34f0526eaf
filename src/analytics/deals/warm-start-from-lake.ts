import { TimeSlice } from '../../ops/time-slice.js';
import type { LakeQuery } from '../../query/lake-query.js';
import type { StoredSketch } from './deals-store.js';
import { dayDate } from './fare-of-offer.js';
import { segmentKey } from './fare-segment.js';
import {
  DEFAULT_WINDOW_DAYS,
  SegmentSketches,
  type SegmentSketchesOptions,
} from './segment-sketches.js';

/** What a warm start from the lake returns: finest-level day sketches and the positions they include. */
export interface WarmStart {
  sketches: StoredSketch[];
  positions: Map<number, number>;
}

/**
 * SQL of the warm start: offers of the last `days` days grouped by what segments and
 * prices them (per-adult price to the cent), with their counts; DuckDB over the lake's
 * `offers` table.
 */
export function warmStartSql(days: number): string {
  return `SELECT origin || '-' || destination AS market, cabin, trip_type, currency,
  CAST(shopped_at AS DATE)::VARCHAR AS day,
  date_diff('day', CAST(shopped_at AS DATE), departure_date) AS lead_days,
  date_diff('day', departure_date, return_date) AS stay_days,
  round(CAST(coalesce(per_adult_amount, total_amount / greatest(1, adults + children)) AS DOUBLE), 2) AS price,
  count(*) AS n
FROM offers
WHERE shopped_at >= CAST(now() AS TIMESTAMP) - INTERVAL ${Math.floor(days)} DAY
GROUP BY ALL`;
}

/**
 * Builds the deals checkpoint from the lake: finest-level day sketches of the offers of
 * the trailing window, and per stream shard the last sequence the lake holds (so the
 * stream records already in the lake count as applied). An empty lake gives an empty
 * warm start.
 */
export async function warmStartFromLake(
  lake: LakeQuery,
  options: SegmentSketchesOptions = {},
): Promise<WarmStart> {
  const days = options.windowDays ?? DEFAULT_WINDOW_DAYS;
  const sk = new SegmentSketches(options);
  const touched = new Map<string, { key: string; day: number }>();
  // It runs inside the serving process: slices of the event loop, not the whole of it.
  const slice = new TimeSlice();
  let rows: AsyncIterable<Record<string, unknown>[]>;
  try {
    rows = lake.stream(warmStartSql(days));
    for await (const batch of rows) {
      for (const r of batch) {
        if (slice.due()) await slice.pause();
        const price = Number(r.price);
        const n = Number(r.n);
        if (!(price > 0) || !(n > 0)) continue;
        const day = Math.floor(Date.parse(`${r.day as string}T00:00:00Z`) / 86_400_000);
        const key = segmentKey(
          {
            market: r.market as string,
            cabin: r.cabin as string,
            tripType: r.trip_type as string,
            currency: r.currency as string,
            leadDays: Math.max(0, Number(r.lead_days)),
            stayDays:
              r.stay_days === null || r.stay_days === undefined ? undefined : Number(r.stay_days),
          },
          0,
        );
        sk.addToSegment(key, price, day, n);
        touched.set(`${key}\u0000${day}`, { key, day });
      }
    }
  } catch (err) {
    // A lake without an offers table yet (first start) has nothing to warm from.
    if (/offers/i.test((err as Error).message)) return { sketches: [], positions: new Map() };
    throw err;
  }
  const sketches = [];
  for (const { key, day } of touched.values()) {
    if (slice.due()) await slice.pause();
    const d = sk.encodedDay(key, day);
    if (d) sketches.push({ segment: key, day: dayDate(day), sketch: d.sketch, fares: d.fares });
  }
  const positions = new Map<number, number>();
  try {
    for (const r of await lake.all(
      'SELECT stream_shard AS shard, max(stream_seq) AS seq FROM offers GROUP BY 1',
    ))
      positions.set(Number(r.shard), Number(r.seq));
  } catch {
    // no offers table: no positions
  }
  return { sketches, positions };
}
