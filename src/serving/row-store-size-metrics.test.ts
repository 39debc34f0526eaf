/**
 * The row store's table sizes at /metrics, on PGlite (the embedded default): which table
 * grows was not visible from outside (the footprint bench saw only the directory's size).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import type { SqlClient } from '../sql/sql-client.js';
import { registerRowStoreSizeMetrics, rowStoreTableSizes } from './row-store-size-metrics.js';

describe('row store table size metrics', () => {
  let client: SqlClient & { close(): Promise<void> };
  before(async () => {
    client = await PGliteClient.open();
    await client.exec(
      'CREATE TABLE big (id int PRIMARY KEY, pad text); CREATE TABLE small (id int)',
    );
    await client.exec(
      "INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g; INSERT INTO small VALUES (1)",
    );
    // statistics are flushed at intervals: now, so what the test reads is settled
    await client.exec('SELECT pg_stat_force_next_flush()');
    await client.exec('ANALYZE');
  });
  after(() => client.close());

  /** `name{table=...}` values of a registry's metrics. */
  async function values(registry: Registry, name: string): Promise<Map<string, number>> {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    return new Map(m?.values.map((v) => [String(v.labels.table), v.value]) ?? []);
  }

  it('lists every table of the schema with heap, indexes and TOAST, largest first', async () => {
    const sizes = await rowStoreTableSizes(client);
    assert.deepEqual(
      sizes.map((s) => s.table),
      ['big', 'small'],
    );
    const [big] = await client.query<{ b: string }>(
      "SELECT pg_total_relation_size('big')::bigint AS b",
    );
    assert.equal(sizes[0]?.bytes, Number(big?.b));
    assert.ok((sizes[0]?.bytes ?? 0) > 5000 * 200, 'the rows are counted');
  });

  it('serves bytes, live and dead rows per table, re-read once the reading is older than maxAgeMs', async () => {
    const registry = new Registry();
    registerRowStoreSizeMetrics(registry, client, 0);
    registerRowStoreSizeMetrics(registry, client, 0); // a second registration is a no-op
    assert.ok((await values(registry, 'faresight_rowstore_table_bytes')).get('big'));
    await client.exec('DELETE FROM big WHERE id <= 2000');
    // the statistics collector counts the deleted rows as dead until a vacuum (flushed
    // now rather than at its next interval)
    await client.exec('SELECT pg_stat_force_next_flush()');
    const dead = await values(registry, 'faresight_rowstore_table_dead_rows');
    const live = await values(registry, 'faresight_rowstore_table_live_rows');
    assert.equal(live.get('big'), 3000);
    assert.equal(dead.get('big'), 2000);
    await client.exec('VACUUM big');
    assert.equal((await values(registry, 'faresight_rowstore_table_dead_rows')).get('big'), 0);
  });

  it('reuses a reading for maxAgeMs, and leaves the gauges out when the row store fails', async () => {
    let queries = 0;
    let failing = false;
    const counting: SqlClient = {
      ...client,
      query: async <T>(sql: string, params?: readonly unknown[]) => {
        queries++;
        if (failing) throw new Error('connection refused');
        return client.query<T>(sql, params);
      },
    };
    const cached = new Registry();
    registerRowStoreSizeMetrics(cached, counting, 60_000);
    await cached.metrics();
    await cached.metrics();
    assert.equal(queries, 1, 'three gauges and two scrapes share one query');

    const fresh = new Registry();
    registerRowStoreSizeMetrics(fresh, counting, 0);
    failing = true;
    const text = await fresh.metrics();
    assert.doesNotMatch(text, /faresight_rowstore_table_bytes\{/);
  });
});
