/**
 * The route graph, kept in the row store as tables plus recursive SQL (the same on
 * PGlite and PostgreSQL): airports are vertices, markets are edges (view `route_edges`),
 * and every kept cheapest one-way fare is a dated edge instance with the local
 * departure and arrival of its outbound leg.
 *
 * Heuristics of the itinerary search (documented in docs/api.md):
 * - Only one-way fares in one currency (default USD) are combined; fares in different
 *   currencies are never added up. Amounts are the fares' totals as shopped (all
 *   passengers of that search).
 * - Per (origin, destination, departure, arrival) only the cheapest fare is a candidate.
 * - A self-transfer connects fare B after fare A at A's arrival airport when B departs
 *   at least `minConnectionMinutes` (default 180: a self-transfer means collecting bags
 *   and checking in again) and at most `maxConnectionHours` (default 24) after A
 *   arrives, both local times of that same airport, so no time zone is involved.
 * - `maxStops` counts self-transfer points (separate tickets); each ticket may itself
 *   have stops, reported per fare. No airport is visited twice.
 * - Without a date the search starts from every departure date from `today`.
 * - A self-transfer itinerary `beatsThroughFare` when its total is below the cheapest
 *   single one-way fare (any carrier, any stops) from the first origin to the final
 *   destination on the same departure date, in the same currency.
 */

import type { SqlExecutor } from '../sql/sql-client.js';
import { ONE_WAY_RETURN_DATE } from './migrations.js';

/** Default minimum time between a self-transfer's arrival and the next departure. */
export const DEFAULT_MIN_CONNECTION_MINUTES = 180;
/** Default longest wait at a self-transfer point. */
export const DEFAULT_MAX_CONNECTION_HOURS = 24;
/** Most self-transfer points a search may ask for. */
export const MAX_GRAPH_STOPS = 3;
/** Default currency of graph queries. */
export const DEFAULT_GRAPH_CURRENCY = 'USD';

/** A search for itineraries from `origin`; see the module comment for the heuristics. */
export interface ItineraryQuery {
  origin: string;
  /** Omitted = every reachable destination (explore). */
  destination?: string;
  /** Departure date of the first fare; omitted = any from `today`. */
  date?: string;
  /** Self-transfer points allowed (0..MAX_GRAPH_STOPS). */
  maxStops: number;
  currency?: string;
  cabin?: string;
  /** Largest total; omitted = no limit. */
  budget?: number;
  minConnectionMinutes?: number;
  maxConnectionHours?: number;
  /** Most itineraries returned [20 for routes, 200 for explore]. */
  limit?: number;
  /** YYYY-MM-DD; default the current UTC date. */
  today?: string;
}

/** One separately ticketed fare of an itinerary. */
export interface ItineraryFare {
  origin: string;
  destination: string;
  departureDate: string;
  /** Local date-times, `YYYY-MM-DDTHH:mm`. */
  departAt: string;
  arriveAt: string;
  carrier: string;
  stops: number;
  amount: number;
}

/** A way from the origin to `destination` on one or more separate tickets. */
export interface Itinerary {
  destination: string;
  totalAmount: number;
  currency: string;
  /** Self-transfer points (fares - 1). */
  transfers: number;
  selfTransfer: boolean;
  departAt: string;
  arriveAt: string;
  fares: ItineraryFare[];
  /** Cheapest single one-way fare origin-destination on the same date, when there is one. */
  throughFare: number | null;
  /** True when this self-transfer itinerary is cheaper than `throughFare`. */
  beatsThroughFare: boolean;
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function searchSql(explore: boolean): string {
  return `
WITH RECURSIVE legs AS (
  SELECT DISTINCT ON (origin, destination, depart_at, arrive_at)
    origin, destination, departure_date, depart_at, arrive_at, amount, carrier, stops
  FROM cheapest_fares
  WHERE return_date = '${ONE_WAY_RETURN_DATE}'::date AND currency = $1
    AND depart_at IS NOT NULL AND arrive_at IS NOT NULL
    AND ($2::text IS NULL OR cabin = $2::text)
    AND departure_date BETWEEN $3::date AND $4::date
    AND ($8::numeric IS NULL OR amount <= $8::numeric)
  ORDER BY origin, destination, depart_at, arrive_at, amount, carrier COLLATE "C", stops
), paths AS (
  SELECT l.destination AS at, l.departure_date AS first_date, l.depart_at AS first_depart,
    l.arrive_at, l.amount AS total, 0 AS transfers,
    ARRAY[l.origin::text, l.destination::text] AS airports,
    jsonb_build_array(jsonb_build_object('origin', l.origin, 'destination', l.destination,
      'departureDate', l.departure_date::text,
      'departAt', to_char(l.depart_at, 'YYYY-MM-DD"T"HH24:MI'),
      'arriveAt', to_char(l.arrive_at, 'YYYY-MM-DD"T"HH24:MI'),
      'carrier', l.carrier, 'stops', l.stops, 'amount', l.amount)) AS fares
  FROM legs l
  WHERE l.origin = $5 AND ($6::date IS NULL OR l.departure_date = $6::date)
  UNION ALL
  SELECT l.destination, p.first_date, p.first_depart, l.arrive_at, p.total + l.amount,
    p.transfers + 1, p.airports || l.destination::text,
    p.fares || jsonb_build_array(jsonb_build_object('origin', l.origin,
      'destination', l.destination, 'departureDate', l.departure_date::text,
      'departAt', to_char(l.depart_at, 'YYYY-MM-DD"T"HH24:MI'),
      'arriveAt', to_char(l.arrive_at, 'YYYY-MM-DD"T"HH24:MI'),
      'carrier', l.carrier, 'stops', l.stops, 'amount', l.amount))
  FROM paths p JOIN legs l ON l.origin = p.at
  WHERE p.transfers < $7::int
    AND ($9::text IS NULL OR p.at <> $9::text)
    AND NOT (l.destination::text = ANY (p.airports))
    AND l.depart_at >= p.arrive_at + make_interval(mins => $10::int)
    AND l.depart_at <= p.arrive_at + make_interval(hours => $11::int)
    AND ($8::numeric IS NULL OR p.total + l.amount <= $8::numeric)
)
${
  explore
    ? `SELECT * FROM (
  SELECT DISTINCT ON (at) at, first_date::text AS first_date, total::text AS total_text,
    transfers, to_char(first_depart, 'YYYY-MM-DD"T"HH24:MI') AS depart_at,
    to_char(arrive_at, 'YYYY-MM-DD"T"HH24:MI') AS arrive_at, fares, total
  FROM paths ORDER BY at, paths.total, transfers, paths.arrive_at
) best ORDER BY total, at LIMIT $12`
    : `SELECT at, first_date::text AS first_date, total::text AS total_text, transfers,
    to_char(first_depart, 'YYYY-MM-DD"T"HH24:MI') AS depart_at,
    to_char(arrive_at, 'YYYY-MM-DD"T"HH24:MI') AS arrive_at, fares
  FROM paths WHERE at = $9::text
  ORDER BY paths.total, transfers, paths.arrive_at, fares::text LIMIT $12`
}`;
}

// The amounts are selected as total_text (text keeps the numeric's digits exactly) and
// ordered by paths.total: ORDER BY takes an output column's name first, and as text
// "100.01" sorts before "73.13". So too arrive_at, which the output gives as text.
interface PathRow {
  at: string;
  first_date: string;
  total_text: string;
  transfers: number;
  depart_at: string;
  arrive_at: string;
  fares: unknown;
}

/**
 * Cheapest itineraries (routes, with `destination`) or the cheapest itinerary to every
 * reachable destination (explore, without), cheapest first. See the module comment.
 */
export async function findItineraries(db: SqlExecutor, q: ItineraryQuery): Promise<Itinerary[]> {
  const currency = q.currency ?? DEFAULT_GRAPH_CURRENCY;
  const today = q.today ?? new Date().toISOString().slice(0, 10);
  const maxConnectionHours = q.maxConnectionHours ?? DEFAULT_MAX_CONNECTION_HOURS;
  const first = q.date ?? today;
  // Later fares may depart up to maxStops connection windows after the first one.
  const last = q.date
    ? addDays(q.date, Math.ceil((q.maxStops * maxConnectionHours) / 24) + 2)
    : addDays(today, 400);
  const explore = q.destination === undefined;
  const rows = await db.query<PathRow>(searchSql(explore), [
    currency,
    q.cabin ?? null,
    first,
    last,
    q.origin,
    q.date ?? null,
    q.maxStops,
    q.budget ?? null,
    q.destination ?? null,
    q.minConnectionMinutes ?? DEFAULT_MIN_CONNECTION_MINUTES,
    maxConnectionHours,
    q.limit ?? (explore ? 200 : 20),
  ]);
  const through = await throughFares(db, q.origin, currency, q.cabin, rows);
  return rows.map((r) => {
    const fares = (typeof r.fares === 'string' ? JSON.parse(r.fares) : r.fares) as ItineraryFare[];
    const total = Number(r.total_text);
    const transfers = Number(r.transfers);
    const t = through.get(`${r.at}|${r.first_date}`) ?? null;
    return {
      destination: r.at,
      totalAmount: total,
      currency,
      transfers,
      selfTransfer: transfers > 0,
      departAt: r.depart_at,
      arriveAt: r.arrive_at,
      fares: fares.map((f) => ({ ...f, amount: Number(f.amount), stops: Number(f.stops) })),
      throughFare: t,
      beatsThroughFare: transfers > 0 && t !== null && total < t,
    };
  });
}

/** Cheapest single one-way fare per (destination, date) among the rows' ends. */
async function throughFares(
  db: SqlExecutor,
  origin: string,
  currency: string,
  cabin: string | undefined,
  rows: readonly PathRow[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (rows.length === 0) return out;
  const found = await db.query<{ destination: string; d: string; amount_text: string }>(
    `SELECT destination, departure_date::text AS d, min(amount)::text AS amount_text
     FROM cheapest_fares
     WHERE origin = $1 AND currency = $2 AND return_date = '${ONE_WAY_RETURN_DATE}'::date
       AND ($3::text IS NULL OR cabin = $3::text)
       AND (destination, departure_date) IN (SELECT * FROM unnest($4::text[], $5::date[]))
     GROUP BY destination, departure_date`,
    [origin, currency, cabin ?? null, rows.map((r) => r.at), rows.map((r) => r.first_date)],
  );
  for (const f of found) out.set(`${f.destination}|${f.d}`, Number(f.amount_text));
  return out;
}
