/**
 * The serving row store: the cheapest current fare per trip and the search volume per
 * market, kept by the realtime `serving` use case and read by the API. Runs on any
 * SqlClient (PGlite embedded, PostgreSQL scaled out) with the same SQL.
 *
 * Idempotence, so that at-least-once delivery gives exactly-once state:
 * - `cheapest_fares` is an upsert that only ever lowers a price (ties: earlier seenAt,
 *   then smaller search id), so applying a record twice, or in another order, gives the
 *   same rows.
 * - `markets.searches` counts a search id once: new (market, search id) pairs go into
 *   `market_searches` and only the pairs actually inserted increment the count, in the
 *   same statement. Pairs older than the retention (default 48 h, twice the stream's
 *   24 h) are pruned; a replay cannot reach further back than the stream retains.
 */
import type { ShoppingRecord } from '../model/shopping-record.js';
import { deleteInChunks } from '../sql/delete-in-chunks.js';
import { migrate } from '../sql/migrate.js';
import type { SqlClient, SqlStatement } from '../sql/sql-client.js';
import { type FareRow, fareRows, type SearchRow, searchRows } from './fare-rows.js';
import { exportGraphCsv, type GraphCsv } from './graph-export.js';
import {
  type CalendarDay,
  type CalendarQuery,
  fareCalendar,
  type MarketDetail,
  marketDetail,
} from './market-reads.js';
import { MIGRATIONS, ONE_WAY_RETURN_DATE } from './migrations.js';
import { findItineraries, type Itinerary, type ItineraryQuery } from './route-graph.js';

/** Default number of rows sent in one statement. */
export const DEFAULT_CHUNK_ROWS = 5000;
/** Default time a counted search id is remembered (must exceed the stream retention). */
export const DEFAULT_SEARCH_RETENTION_MS = 48 * 3600_000;
/**
 * Default time a kept fare stays without being seen again: a fare last seen longer ago
 * has been superseded by the searches since (prices move), and a replay (24 h of stream
 * retention) cannot bring it back.
 */
export const DEFAULT_FARE_RETENTION_MS = 48 * 3600_000;
/**
 * The tables `prune` deletes from or every batch updates, vacuumed after it so their
 * space is reused.
 */
const PRUNED_TABLES = ['cheapest_fares', 'market_searches', 'markets', 'market_fares'] as const;

/** A market with data, as `GET /v1/markets` lists it. */
export interface MarketSummary {
  origin: string;
  destination: string;
  /** Distinct searches seen. */
  searches: number;
  /** Cheapest-fare rows currently kept for the market (all dates, carriers, currencies). */
  offers: number;
  /** ISO instant of the latest search. */
  lastSeen: string;
  /** Lowest kept fare in each currency, cheapest first within the list's currency order. */
  cheapest: { amount: number; currency: string }[];
}

/** A trip to price. Without `returnDate` the trip is one-way; without pos/cabin, any. */
export interface CheapestQuery {
  origin: string;
  destination: string;
  departureDate: string;
  returnDate?: string;
  pos?: string;
  cabin?: string;
}

/** The cheapest fare of one carrier, stop count and currency for a trip. */
export interface CheapestFare {
  carrier: string;
  stops: number;
  cabin: string;
  /** Point of sale of that fare, null when the vendor did not give one. */
  pos: string | null;
  amount: number;
  currency: string;
  /** ISO instant the fare was received. */
  seenAt: string;
  vendor: string;
  searchId: string;
}

/** What one `applyRecords` changed. */
export interface ApplyResult {
  /** Searches counted for the first time. */
  newSearches: number;
  /** Fare rows inserted or lowered. */
  faresChanged: number;
  /** Markets (`ORIGIN-DESTINATION`) whose searches or fares changed, sorted: what a cache must forget. */
  changedMarkets: string[];
}

/** What `prune` removed. */
export interface PruneResult {
  searchIds: number;
  departedFares: number;
  /** Fares not seen again within the fare retention (superseded). */
  staleFares: number;
}

/** Retention of `prune`; each default is its DEFAULT_*_RETENTION_MS. */
export interface PruneOptions {
  /** Now, epoch ms [Date.now()]. */
  now?: number;
  searchRetentionMs?: number;
  fareRetentionMs?: number;
}

export interface RowStoreOptions {
  /** Rows per statement. Default DEFAULT_CHUNK_ROWS. */
  chunkRows?: number;
}

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

interface MarketCount {
  market: string;
  n: number | string;
}

/** Adds each row's market to `into` and returns the sum of their counts. */
function sumInto(into: Set<string>, rows: readonly MarketCount[]): number {
  let n = 0;
  for (const r of rows) {
    into.add(r.market);
    n += Number(r.n);
  }
  return n;
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

const COUNT_SEARCHES = `
WITH fresh AS (
  INSERT INTO market_searches (origin, destination, search_id, received_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
  ON CONFLICT DO NOTHING
  RETURNING origin, destination, received_at
), counted AS (
  INSERT INTO markets (origin, destination, searches, first_seen, last_seen)
  SELECT origin, destination, count(*), min(received_at), max(received_at)
  FROM fresh GROUP BY origin, destination
  ORDER BY origin, destination
  ON CONFLICT (origin, destination) DO UPDATE SET
    searches = markets.searches + excluded.searches,
    first_seen = least(markets.first_seen, excluded.first_seen),
    last_seen = greatest(markets.last_seen, excluded.last_seen)
  RETURNING 1
)
SELECT origin || '-' || destination AS market, count(*) AS n, (SELECT count(*) FROM counted) AS markets
FROM fresh GROUP BY origin, destination`;

const UPSERT_FARES = `
WITH changed AS (
  INSERT INTO cheapest_fares (origin, destination, departure_date, return_date, pos, cabin,
    carrier, stops, currency, amount, seen_at, vendor, search_id, depart_at, arrive_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::text[], $6::text[],
    $7::text[], $8::smallint[], $9::text[], $10::numeric[], $11::timestamptz[], $12::text[], $13::text[],
    $14::timestamp[], $15::timestamp[])
  ON CONFLICT (origin, destination, departure_date, return_date, pos, cabin, carrier, stops, currency)
  DO UPDATE SET amount = excluded.amount, seen_at = excluded.seen_at, vendor = excluded.vendor,
    search_id = excluded.search_id, depart_at = excluded.depart_at, arrive_at = excluded.arrive_at
  WHERE excluded.amount < cheapest_fares.amount
     OR (excluded.amount = cheapest_fares.amount AND excluded.seen_at < cheapest_fares.seen_at)
     OR (excluded.amount = cheapest_fares.amount AND excluded.seen_at = cheapest_fares.seen_at
         AND excluded.search_id COLLATE "C" < cheapest_fares.search_id COLLATE "C")
  RETURNING origin, destination
)
SELECT origin || '-' || destination AS market, count(*) AS n FROM changed GROUP BY origin, destination`;

/** The statement that upserts `rows` into `cheapest_fares`; its rows are MarketCount. */
function upsertFares(rows: readonly FareRow[]): SqlStatement {
  return {
    sql: UPSERT_FARES,
    params: [
      rows.map((f) => f.origin),
      rows.map((f) => f.destination),
      rows.map((f) => f.departureDate),
      rows.map((f) => f.returnDate),
      rows.map((f) => f.pos),
      rows.map((f) => f.cabin),
      rows.map((f) => f.carrier),
      rows.map((f) => f.stops),
      rows.map((f) => f.currency),
      rows.map((f) => String(f.amount)),
      rows.map((f) => f.seenAt),
      rows.map((f) => f.vendor),
      rows.map((f) => f.searchId),
      rows.map((f) => f.departAt),
      rows.map((f) => f.arriveAt),
    ],
  };
}

/** The statement that counts the new search ids of `rows` per market; its rows are MarketCount. */
function countSearches(rows: readonly SearchRow[]): SqlStatement {
  return {
    sql: COUNT_SEARCHES,
    params: [
      rows.map((s) => s.origin),
      rows.map((s) => s.destination),
      rows.map((s) => s.searchId),
      rows.map((s) => s.receivedAt),
    ],
  };
}

/** See the module comment. Holds no state besides the client; safe to share in a process. */
export class RowStore {
  private readonly chunkRows: number;

  constructor(
    readonly client: SqlClient,
    opts: RowStoreOptions = {},
  ) {
    this.chunkRows = opts.chunkRows ?? DEFAULT_CHUNK_ROWS;
  }

  /** Brings the schema up to date (see migrate()); returns the versions applied now. */
  migrate(): Promise<number[]> {
    return migrate(this.client, MIGRATIONS);
  }

  /**
   * Applies a batch in one transaction: counts new searches per market and keeps the
   * cheapest fare per key (see the module comment). Replaying a batch changes nothing.
   * Rejects (and changes nothing) when the database fails; the caller retries. One
   * SqlClient.batch, so the embedded row store is held only while the statements run.
   */
  async applyRecords(records: readonly ShoppingRecord[]): Promise<ApplyResult> {
    const searches = chunks(searchRows(records), this.chunkRows);
    const fares = chunks(fareRows(records), this.chunkRows);
    if (searches.length === 0 && fares.length === 0)
      return { newSearches: 0, faresChanged: 0, changedMarkets: [] };
    const results = (await this.client.batch([
      ...searches.map((part) => countSearches(part)),
      ...fares.map((part) => upsertFares(part)),
    ])) as unknown as MarketCount[][];
    const changed = new Set<string>();
    let newSearches = 0;
    let faresChanged = 0;
    results.forEach((rows, i) => {
      if (i < searches.length) newSearches += sumInto(changed, rows);
      else faresChanged += sumInto(changed, rows);
    });
    return { newSearches, faresChanged, changedMarkets: [...changed].sort() };
  }

  /**
   * Markets with at least one search, busiest first (ties by origin, destination), at
   * most `limit` (default 50).
   */
  async markets(opts: { limit?: number } = {}): Promise<MarketSummary[]> {
    // One statement (a read the row store serves first): each listed market's count and
    // cheapest fare per currency, kept in market_fares by triggers (migration 4).
    const rows = await this.client.query<{
      origin: string;
      destination: string;
      searches: number | string;
      last_seen: unknown;
      currency: string | null;
      amount: string | null;
      n: number | string | null;
    }>(
      `SELECT m.origin, m.destination, m.searches, m.last_seen, f.currency, f.amount, f.n
       FROM (SELECT origin, destination, searches, last_seen FROM markets
             ORDER BY searches DESC, origin, destination LIMIT $1) m
       LEFT JOIN LATERAL (
         SELECT currency, min_amount::text AS amount, offers AS n FROM market_fares c
         WHERE c.origin = m.origin AND c.destination = m.destination
       ) f ON true
       ORDER BY m.searches DESC, m.origin, m.destination, f.currency COLLATE "C"`,
      [opts.limit ?? 50],
    );
    const out: MarketSummary[] = [];
    for (const r of rows) {
      let m = out.at(-1);
      if (m?.origin !== r.origin || m.destination !== r.destination) {
        m = {
          origin: r.origin,
          destination: r.destination,
          searches: Number(r.searches),
          offers: 0,
          lastSeen: iso(r.last_seen),
          cheapest: [],
        };
        out.push(m);
      }
      if (r.currency !== null) {
        m.offers += Number(r.n);
        m.cheapest.push({ amount: Number(r.amount), currency: r.currency });
      }
    }
    return out;
  }

  /**
   * The cheapest kept fare for the trip per validating carrier, stop count and currency
   * (across points of sale and cabins unless filtered), sorted by currency, amount,
   * carrier, stops. Empty when nothing is known.
   */
  async cheapest(q: CheapestQuery): Promise<CheapestFare[]> {
    const rows = await this.client.query<{
      carrier: string;
      stops: number;
      cabin: string;
      pos: string;
      amount_text: string;
      currency: string;
      seen_at: unknown;
      vendor: string;
      search_id: string;
    }>(
      `SELECT DISTINCT ON (carrier, stops, currency)
         carrier, stops, cabin, pos, amount::text AS amount_text, currency, seen_at, vendor, search_id
       FROM cheapest_fares
       WHERE origin = $1 AND destination = $2 AND departure_date = $3::date
         AND return_date = $4::date
         AND ($5::text IS NULL OR pos = $5::text) AND ($6::text IS NULL OR cabin = $6::text)
       ORDER BY carrier, stops, currency, cheapest_fares.amount, seen_at, search_id COLLATE "C"`,
      [
        q.origin,
        q.destination,
        q.departureDate,
        q.returnDate ?? ONE_WAY_RETURN_DATE,
        q.pos ?? null,
        q.cabin ?? null,
      ],
    );
    return rows
      .map((r) => ({
        carrier: r.carrier,
        stops: Number(r.stops),
        cabin: r.cabin,
        pos: r.pos === '' ? null : r.pos,
        amount: Number(r.amount_text),
        currency: r.currency,
        seenAt: iso(r.seen_at),
        vendor: r.vendor,
        searchId: r.search_id,
      }))
      .sort(
        (a, b) =>
          (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0) ||
          a.amount - b.amount ||
          (a.carrier < b.carrier ? -1 : a.carrier > b.carrier ? 1 : 0) ||
          a.stops - b.stops,
      );
  }

  /**
   * Housekeeping, safe to run at any time: forgets counted search ids received before
   * `now - searchRetentionMs`, deletes fares whose departure date is more than a day
   * before `now` (UTC), which no one can book any more, and fares last seen before `now -
   * fareRetentionMs` (superseded: the next search of that trip keeps its current price);
   * then vacuums those tables, so the space of deleted and updated rows is reused and the
   * store stops growing (PGlite runs no autovacuum).
   */
  async prune(opts: PruneOptions = {}): Promise<PruneResult> {
    const now = opts.now ?? Date.now();
    const ago = (ms: number) => new Date(now - ms).toISOString();
    // in chunks, and one table vacuumed at a time: reads go in between (deleteInChunks)
    const searchIds = await deleteInChunks(
      this.client,
      'market_searches',
      'received_at < $1::timestamptz',
      [ago(opts.searchRetentionMs ?? DEFAULT_SEARCH_RETENTION_MS)],
    );
    const departedFares = await deleteInChunks(
      this.client,
      'cheapest_fares',
      'departure_date < $1::date',
      [ago(86_400_000).slice(0, 10)],
    );
    const staleFares = await deleteInChunks(
      this.client,
      'cheapest_fares',
      'seen_at < $1::timestamptz',
      [ago(opts.fareRetentionMs ?? DEFAULT_FARE_RETENTION_MS)],
    );
    for (const t of PRUNED_TABLES) await this.client.exec(`VACUUM ${t}`);
    return { searchIds, departedFares, staleFares };
  }

  /** The fare calendar of a market (see fareCalendar in market-reads.ts). */
  calendar(q: CalendarQuery): Promise<CalendarDay[]> {
    return fareCalendar(this.client, q);
  }

  /** One market's counts, cheapest fares and daily price summary; undefined when unknown. */
  market(
    origin: string,
    destination: string,
    opts: { today?: string } = {},
  ): Promise<MarketDetail | undefined> {
    return marketDetail(
      this.client,
      origin,
      destination,
      opts.today ?? new Date().toISOString().slice(0, 10),
    );
  }

  /** Itineraries over the route graph (see route-graph.ts): routes with a destination, explore without. */
  itineraries(q: ItineraryQuery): Promise<Itinerary[]> {
    return findItineraries(this.client, q);
  }

  /** The route graph as openCypher load CSV (see graph-export.ts). */
  exportGraph(currency?: string): Promise<GraphCsv> {
    return exportGraphCsv(this.client, currency);
  }

  /** Resolves when the database answers; rejects otherwise (for `/healthz`). */
  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  /** Closes the underlying client. */
  close(): Promise<void> {
    return this.client.close();
  }
}
