import { Gauge, type Registry } from 'prom-client';
import type { SqlClient } from '../sql/sql-client.js';

/**
 * How long one reading of the row store's table sizes is reused, ms: the Console's
 * sampler reads every registry every 2 s, and each reading is a query on the row store.
 */
export const TABLE_SIZES_MAX_AGE_MS = 30_000;

/** One table of the row store as `pg_class` and the statistics collector see it. */
export interface RowStoreTableSize {
  table: string;
  /** Heap, indexes and TOAST, bytes (`pg_total_relation_size`). */
  bytes: number;
  /** Live rows by the statistics collector's estimate. */
  liveRows: number;
  /** Dead rows not yet vacuumed, by the same estimate. */
  deadRows: number;
}

/** Every table of the row store's schema with its size, largest first. */
export async function rowStoreTableSizes(client: SqlClient): Promise<RowStoreTableSize[]> {
  const rows = await client.query<{
    table: string;
    bytes: string | number;
    live: string | number | null;
    dead: string | number | null;
  }>(
    `SELECT c.relname AS table, pg_total_relation_size(c.oid)::bigint AS bytes,
            s.n_live_tup AS live, s.n_dead_tup AS dead
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm', 'p')
     ORDER BY 2 DESC, 1`,
  );
  return rows.map((r) => ({
    table: r.table,
    bytes: Number(r.bytes),
    liveRows: Number(r.live ?? 0),
    deadRows: Number(r.dead ?? 0),
  }));
}

/**
 * Registers `faresight_rowstore_table_bytes`, `faresight_rowstore_table_live_rows` and
 * `faresight_rowstore_table_dead_rows`, labelled by `table`, read from the row store at
 * scrape time at most every `maxAgeMs` (TABLE_SIZES_MAX_AGE_MS): which table grows, and
 * whether its space is being reused (dead rows a vacuum has not reclaimed). A failed
 * reading leaves the gauges out of that scrape rather than failing `/metrics`. Once per
 * registry (a second call is a no-op).
 */
export function registerRowStoreSizeMetrics(
  registry: Registry,
  client: SqlClient,
  maxAgeMs = TABLE_SIZES_MAX_AGE_MS,
): void {
  if (registry.getSingleMetric('faresight_rowstore_table_bytes')) return;
  let last: { at: number; sizes: RowStoreTableSize[] } | undefined;
  let inFlight: Promise<RowStoreTableSize[]> | undefined;
  const sizes = async (): Promise<RowStoreTableSize[]> => {
    if (last && Date.now() - last.at < maxAgeMs) return last.sizes;
    inFlight ??= rowStoreTableSizes(client)
      .then(
        (s) => {
          last = { at: Date.now(), sizes: s };
          return s;
        },
        () => [] as RowStoreTableSize[],
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const gauge = (name: string, help: string, value: (t: RowStoreTableSize) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['table'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const t of await sizes()) this.set({ table: t.table }, value(t));
      },
    });
  gauge(
    'faresight_rowstore_table_bytes',
    'Size of a row store table with its indexes and TOAST, bytes (read at most every 30 s)',
    (t) => t.bytes,
  );
  gauge(
    'faresight_rowstore_table_live_rows',
    "Live rows of a row store table (the statistics collector's estimate)",
    (t) => t.liveRows,
  );
  gauge(
    'faresight_rowstore_table_dead_rows',
    'Dead rows of a row store table not yet reclaimed by a vacuum (estimate)',
    (t) => t.deadRows,
  );
}
