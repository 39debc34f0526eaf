import { deleteInChunks } from '../../sql/delete-in-chunks.js';
import { migrate } from '../../sql/migrate.js';
import type { SqlClient, SqlStatement } from '../../sql/sql-client.js';
import { ANALYTICS_MIGRATIONS } from '../analytics-migrations.js';
import type { DealLabel } from './deal-label.js';

/** One deal row (an offer labelled great or good). */
export interface Deal {
  searchId: string;
  offerIndex: number;
  origin: string;
  destination: string;
  departureDate: string;
  returnDate: string | null;
  tripType: string;
  cabin: string;
  carrier: string;
  stops: number;
  currency: string;
  price: number;
  typicalPrice: number;
  savingsPct: number;
  label: DealLabel;
  segment: string;
  fares: number;
  explanation: string;
  shoppedAt: string;
  vendor: string;
}

/** A segment sketch of one day, as checkpointed: of a finest (`full|…`) or a market segment. */
export interface StoredSketch {
  segment: string;
  /** `YYYY-MM-DD`. */
  day: string;
  /** DDSketch protobuf, base64. */
  sketch: string;
  fares: number;
}

/** Filters of `GET /v1/deals`. */
export interface DealsQuery {
  origin?: string;
  destination?: string;
  label?: DealLabel;
  minSavingsPct?: number;
  /** Default 50. */
  limit?: number;
}

/**
 * Deals per upsert statement (and transaction) of DealsStore.saveBatch. Measured with
 * made-up deals on a loaded machine, an upsert of 1,500 into a table of up to 45,000
 * took 86-356 ms of the row store's connection; the deals batches of the demo's history
 * held it 258-527 ms (with their sketches).
 */
export const DEALS_PER_STATEMENT = 250;

/** The upsert of `deals` (by vendor, search id and offer index). */
function upsertDeals(deals: readonly Deal[]): SqlStatement {
  const col = <K extends keyof Deal>(k: K) => deals.map((d) => d[k]);
  return {
    sql: `INSERT INTO deals (search_id, offer_index, origin, destination, departure_date, return_date,
  trip_type, cabin, carrier, stops, currency, price, typical_price, savings_pct, label, segment,
  fares, explanation, shopped_at, vendor)
SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::date[], $6::date[],
  $7::text[], $8::text[], $9::text[], $10::smallint[], $11::text[], $12::numeric[], $13::numeric[],
  $14::float8[], $15::text[], $16::text[], $17::int[], $18::text[], $19::timestamptz[], $20::text[])
ON CONFLICT (vendor, search_id, offer_index) DO UPDATE SET label = EXCLUDED.label,
  savings_pct = EXCLUDED.savings_pct, typical_price = EXCLUDED.typical_price,
  segment = EXCLUDED.segment, fares = EXCLUDED.fares, explanation = EXCLUDED.explanation`,
    params: [
      col('searchId'),
      col('offerIndex'),
      col('origin'),
      col('destination'),
      col('departureDate'),
      col('returnDate'),
      col('tripType'),
      col('cabin'),
      col('carrier'),
      col('stops'),
      col('currency'),
      col('price'),
      col('typicalPrice'),
      col('savingsPct'),
      col('label'),
      col('segment'),
      col('fares'),
      col('explanation'),
      col('shoppedAt'),
      col('vendor'),
    ],
  };
}

/** Default page size of DealsStore.deals. */
export const DEFAULT_DEALS_LIMIT = 50;

/**
 * The deals use case's tables in the row store (ANALYTICS_MIGRATIONS): deals, and the
 * sketch checkpoint (finest-level and market-level day sketches plus the stream
 * positions they include).
 */
export class DealsStore {
  constructor(readonly client: SqlClient) {}

  /** Applies the analytics migrations (idempotent). */
  migrate(): Promise<number[]> {
    return migrate(this.client, ANALYTICS_MIGRATIONS);
  }

  /** The checkpoint: day sketches from `fromDay` on and the positions per shard. */
  async loadCheckpoint(
    fromDay: string,
  ): Promise<{ sketches: StoredSketch[]; positions: Map<number, number> }> {
    const sketches = await this.sketches('day >= $1::date', [fromDay]);
    const pos = await this.client.query<{ shard: number; last_seq: number | string }>(
      'SELECT shard, last_seq FROM deal_sketch_positions',
    );
    return {
      sketches,
      positions: new Map(pos.map((p) => [Number(p.shard), Number(p.last_seq)])),
    };
  }

  /** Every stored day sketch of `segments` (segmentKeys). */
  async sketchesOf(segments: readonly string[]): Promise<StoredSketch[]> {
    if (segments.length === 0) return [];
    return this.sketches('segment = ANY($1::text[])', [segments]);
  }

  private async sketches(where: string, params: unknown[]): Promise<StoredSketch[]> {
    const rows = await this.client.query<{
      segment: string;
      day: string;
      sketch: string;
      fares: number | string;
    }>(`SELECT segment, day::text AS day, sketch, fares FROM deal_sketches WHERE ${where}`, params);
    return rows.map((r) => ({ ...r, fares: Number(r.fares) }));
  }

  /**
   * Saves a batch of the deals use case: upserts `deals` (by vendor, search id and offer
   * index), deletes every day sketch of `dropSegments`, replaces the given day sketches
   * and raises the stored positions to `positions`. The deletes, sketches and positions
   * go in one transaction (one SqlClient.batch)
   * with the last DEALS_PER_STATEMENT deals; the deals before them are upserted first,
   * DEALS_PER_STATEMENT to a transaction, so that reads of the row store's one connection
   * get their turn between them (a deals batch of the history held it up to half a
   * second). That is safe because an upsert of the same deal writes the same row: if
   * the save stops part way, the positions are not raised, the batch is replayed over the
   * same sketches and labels the same deals again.
   */
  async saveBatch(
    deals: readonly Deal[],
    sketches: readonly StoredSketch[],
    positions: ReadonlyMap<number, number>,
    dropSegments: readonly string[] = [],
  ): Promise<void> {
    let at = 0;
    for (; deals.length - at > DEALS_PER_STATEMENT; at += DEALS_PER_STATEMENT)
      await this.client.batch([upsertDeals(deals.slice(at, at + DEALS_PER_STATEMENT))]);
    const statements: SqlStatement[] = [];
    if (deals.length > at) statements.push(upsertDeals(deals.slice(at)));
    if (dropSegments.length > 0)
      statements.push({
        sql: 'DELETE FROM deal_sketches WHERE segment = ANY($1::text[])',
        params: [dropSegments],
      });
    if (sketches.length > 0) {
      statements.push({
        sql: `INSERT INTO deal_sketches (segment, day, sketch, fares)
SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::bigint[])
ON CONFLICT (segment, day) DO UPDATE SET sketch = EXCLUDED.sketch, fares = EXCLUDED.fares`,
        params: [
          sketches.map((s) => s.segment),
          sketches.map((s) => s.day),
          sketches.map((s) => s.sketch),
          sketches.map((s) => s.fares),
        ],
      });
    }
    if (positions.size > 0) {
      statements.push({
        sql: `INSERT INTO deal_sketch_positions (shard, last_seq)
SELECT * FROM unnest($1::int[], $2::bigint[])
ON CONFLICT (shard) DO UPDATE SET last_seq = GREATEST(deal_sketch_positions.last_seq, EXCLUDED.last_seq)`,
        params: [[...positions.keys()], [...positions.values()]],
      });
    }
    await this.client.batch(statements);
  }

  /** Deals, newest first, filtered as `GET /v1/deals` asks. */
  async deals(q: DealsQuery = {}): Promise<Deal[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.origin) add('origin = ?', q.origin);
    if (q.destination) add('destination = ?', q.destination);
    if (q.label) add('label = ?', q.label);
    if (q.minSavingsPct !== undefined) add('savings_pct >= ?', q.minSavingsPct);
    params.push(q.limit ?? DEFAULT_DEALS_LIMIT);
    const rows = await this.client.query<Record<string, unknown>>(
      `SELECT search_id, offer_index, origin, destination, departure_date::text AS departure_date,
  return_date::text AS return_date, trip_type, cabin, carrier, stops, currency, price, typical_price,
  savings_pct, label, segment, fares, explanation, shopped_at, vendor
FROM deals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
ORDER BY shopped_at DESC, savings_pct DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      searchId: r.search_id as string,
      offerIndex: Number(r.offer_index),
      origin: r.origin as string,
      destination: r.destination as string,
      departureDate: r.departure_date as string,
      returnDate: (r.return_date as string | null) ?? null,
      tripType: r.trip_type as string,
      cabin: r.cabin as string,
      carrier: r.carrier as string,
      stops: Number(r.stops),
      currency: r.currency as string,
      price: Number(r.price),
      typicalPrice: Number(r.typical_price),
      savingsPct: Number(r.savings_pct),
      label: r.label as DealLabel,
      segment: r.segment as string,
      fares: Number(r.fares),
      explanation: r.explanation as string,
      shoppedAt: new Date(r.shopped_at as string | Date).toISOString(),
      vendor: r.vendor as string,
    }));
  }

  /**
   * Deletes deals shopped before `before` and day sketches before `beforeDay`, then
   * vacuums both tables, so the space of deleted rows and of the sketches each batch
   * rewrites is reused (PGlite runs no autovacuum).
   */
  async prune(before: Date, beforeDay: string): Promise<void> {
    // in chunks, and one table vacuumed at a time: reads go in between (deleteInChunks)
    await deleteInChunks(this.client, 'deals', 'shopped_at < $1', [before]);
    await deleteInChunks(this.client, 'deal_sketches', 'day < $1::date', [beforeDay]);
    await this.client.exec('VACUUM deals');
    await this.client.exec('VACUUM deal_sketches');
  }
}
