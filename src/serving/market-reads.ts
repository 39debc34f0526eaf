/**
 * Reads of the row store beyond the cheapest fare of one trip: the fare calendar of a
 * market and the detail of one market with its daily price summary. Pure queries over
 * `cheapest_fares`, `markets` and the `daily_price_summary` view, so they are as
 * idempotent as the tables (a replay changes nothing they return).
 */

import type { SqlExecutor } from '../sql/sql-client.js';
import { ONE_WAY_RETURN_DATE } from './migrations.js';

/** Most days of price summary `marketDetail` returns. */
export const MARKET_SUMMARY_DAYS = 120;

/**
 * A fare calendar: departure dates `from..to` (inclusive) of one market. One-way unless
 * `returnDate` (a fixed return date) or `stay` (return `stay` days after each departure)
 * is given; both given is the caller's error.
 */
export interface CalendarQuery {
  origin: string;
  destination: string;
  from: string;
  to: string;
  returnDate?: string;
  stay?: number;
  pos?: string;
  cabin?: string;
}

/** The cheapest kept fare of one departure date in one currency. */
export interface CalendarDay {
  departureDate: string;
  returnDate: string | null;
  amount: number;
  currency: string;
  carrier: string;
  stops: number;
  cabin: string;
  seenAt: string;
}

/** Price summary of one departure date, trip kind, cabin and currency. */
export interface DailyPriceSummary {
  departureDate: string;
  tripType: 'oneway' | 'roundtrip';
  cabin: string;
  currency: string;
  min: number;
  avg: number;
  max: number;
  /** Cheapest-fare rows summarised (one per pos, return date, carrier and stop count). */
  fares: number;
}

/** `GET /v1/markets/{origin}-{destination}`. */
export interface MarketDetail {
  origin: string;
  destination: string;
  searches: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Cheapest kept fare per trip kind and currency, over every departure date from `today`. */
  cheapest: {
    tripType: 'oneway' | 'roundtrip';
    currency: string;
    amount: number;
    departureDate: string;
    returnDate: string | null;
    carrier: string;
    stops: number;
  }[];
  /** Daily summaries from `today`, earliest first, at most MARKET_SUMMARY_DAYS dates. */
  days: DailyPriceSummary[];
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

function returnOrNull(r: string): string | null {
  return r === ONE_WAY_RETURN_DATE ? null : r;
}

/** Cheapest fare per departure date and currency (see CalendarQuery), by date then currency. */
export async function fareCalendar(db: SqlExecutor, q: CalendarQuery): Promise<CalendarDay[]> {
  const rows = await db.query<{
    d: string;
    r: string;
    currency: string;
    amount_text: string;
    carrier: string;
    stops: number;
    cabin: string;
    seen_at: unknown;
  }>(
    // amount_text, not amount: ORDER BY takes an output column's name first, and text
    // orders "100.64" before "87.15"
    `SELECT DISTINCT ON (departure_date, currency) departure_date::text AS d, return_date::text AS r,
       currency, amount::text AS amount_text, carrier, stops, cabin, seen_at
     FROM cheapest_fares
     WHERE origin = $1 AND destination = $2 AND departure_date BETWEEN $3::date AND $4::date
       AND CASE WHEN $5::date IS NOT NULL THEN return_date = $5::date
                WHEN $6::int IS NOT NULL THEN return_date = departure_date + $6::int
                ELSE return_date = '${ONE_WAY_RETURN_DATE}'::date END
       AND ($7::text IS NULL OR pos = $7::text) AND ($8::text IS NULL OR cabin = $8::text)
     ORDER BY departure_date, currency, cheapest_fares.amount, seen_at, search_id COLLATE "C"`,
    [
      q.origin,
      q.destination,
      q.from,
      q.to,
      q.returnDate ?? null,
      q.stay ?? null,
      q.pos ?? null,
      q.cabin ?? null,
    ],
  );
  return rows.map((r) => ({
    departureDate: r.d,
    returnDate: returnOrNull(r.r),
    amount: Number(r.amount_text),
    currency: r.currency,
    carrier: r.carrier,
    stops: Number(r.stops),
    cabin: r.cabin,
    seenAt: iso(r.seen_at),
  }));
}

/**
 * The market's counts, cheapest fares and daily price summaries for departures on or
 * after `today` (YYYY-MM-DD). Undefined when the market has neither searches nor fares.
 */
export async function marketDetail(
  db: SqlExecutor,
  origin: string,
  destination: string,
  today: string,
): Promise<MarketDetail | undefined> {
  const [m] = await db.query<{
    searches: string | number;
    first_seen: unknown;
    last_seen: unknown;
  }>('SELECT searches, first_seen, last_seen FROM markets WHERE origin = $1 AND destination = $2', [
    origin,
    destination,
  ]);
  const cheapest = await db.query<{
    one_way: boolean;
    currency: string;
    amount_text: string;
    d: string;
    r: string;
    carrier: string;
    stops: number;
  }>(
    // amount_text, not amount: as in fareCalendar
    `SELECT DISTINCT ON (one_way, currency) return_date = '${ONE_WAY_RETURN_DATE}'::date AS one_way,
       currency, amount::text AS amount_text, departure_date::text AS d, return_date::text AS r,
       carrier, stops
     FROM cheapest_fares
     WHERE origin = $1 AND destination = $2 AND departure_date >= $3::date
     ORDER BY one_way DESC, currency, cheapest_fares.amount, cheapest_fares.departure_date, seen_at,
       search_id COLLATE "C"`,
    [origin, destination, today],
  );
  if (!m && cheapest.length === 0) return undefined;
  const days = await db.query<{
    d: string;
    trip_type: 'oneway' | 'roundtrip';
    cabin: string;
    currency: string;
    min_text: string;
    avg_amount: string;
    max_text: string;
    fares: string | number;
  }>(
    `SELECT departure_date::text AS d, trip_type, cabin, currency, min_amount::text AS min_text,
       round(avg_amount, 2)::text AS avg_amount, max_amount::text AS max_text, fares
     FROM daily_price_summary
     WHERE origin = $1 AND destination = $2
       AND departure_date IN (SELECT DISTINCT departure_date FROM cheapest_fares
         WHERE origin = $1 AND destination = $2 AND departure_date >= $3::date
         ORDER BY departure_date LIMIT ${MARKET_SUMMARY_DAYS})
     ORDER BY departure_date, trip_type, cabin, currency`,
    [origin, destination, today],
  );
  return {
    origin,
    destination,
    searches: Number(m?.searches ?? 0),
    firstSeen: m ? iso(m.first_seen) : null,
    lastSeen: m ? iso(m.last_seen) : null,
    cheapest: cheapest.map((c) => ({
      tripType: c.one_way ? 'oneway' : 'roundtrip',
      currency: c.currency,
      amount: Number(c.amount_text),
      departureDate: c.d,
      returnDate: returnOrNull(c.r),
      carrier: c.carrier,
      stops: Number(c.stops),
    })),
    days: days.map((d) => ({
      departureDate: d.d,
      tripType: d.trip_type,
      cabin: d.cabin,
      currency: d.currency,
      min: Number(d.min_text),
      avg: Number(d.avg_amount),
      max: Number(d.max_text),
      fares: Number(d.fares),
    })),
  };
}
