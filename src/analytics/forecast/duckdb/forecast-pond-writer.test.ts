import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { type DailyCount, forecastDemand } from '../demand-forecast-job.js';
import { fitInline } from '../fit-series.js';
import { forecastPondPartition, writeForecastPond } from './forecast-pond-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-forecast-pond-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function counts(): DailyCount[] {
  const rows: DailyCount[] = [];
  for (let i = 0; i < 42; i++) {
    const date = new Date(Date.parse('2030-01-01T00:00:00Z') + i * 86_400_000)
      .toISOString()
      .slice(0, 10);
    rows.push({ key: 'JFK-LAX', date, count: 50 + 10 * (i % 7) });
  }
  return rows;
}

describe('demand forecasts pond', () => {
  it('writes one Parquet partition per run date, replaced by a re-run, readable by DuckDB', async () => {
    const series = await forecastDemand(counts(), { asOf: '2030-02-12' }, fitInline);
    const n = await writeForecastPond(dir, '2030-02-12', series);
    assert.equal(n, series.length * 28);
    assert.equal(await writeForecastPond(dir, '2030-02-12', series), n);
    const part = forecastPondPartition(dir, '2030-02-12');
    assert.deepEqual(readdirSync(part), ['data.parquet']);
    assert.deepEqual(readdirSync(join(part, '..')), ['run_date=2030-02-12']);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const r = await conn.runAndReadAll(
      `select count(*)::int as n, min(date)::varchar as first, bool_and(lower80 <= mean and mean <= upper80 and lower95 <= lower80) as ordered from read_parquet('${join(part, '..', '*', '*.parquet')}', hive_partitioning = true) where scope = 'market' and key = 'JFK-LAX'`,
    );
    const [row] = r.getRowObjects();
    assert.equal(row!.n, 28);
    assert.equal(row!.first, '2030-02-12');
    assert.equal(row!.ordered, true);
    conn.closeSync();
    db.closeSync();
    assert.ok(!existsSync(`${part}.tmp`));
  });

  it("writes every row of a run as large as the demo's, written in slices: every row once", async () => {
    const [one] = await forecastDemand(counts(), { asOf: '2030-02-12' }, fitInline);
    assert.ok(one);
    // 6,696 series, as `up --demo` forecasts: many slices of NDJSON, each its own chunk
    const series = Array.from({ length: 6696 }, (_, i) => ({ ...one, key: `K${i}` }));
    const n = await writeForecastPond(dir, '2030-02-13', series);
    assert.equal(n, 6696 * 28);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const r = await conn.runAndReadAll(
      `select count(*)::int as n, count(distinct key)::int as keys, count(*) filter (where mean is null)::int as empty from read_parquet('${join(forecastPondPartition(dir, '2030-02-13'), '*.parquet')}')`,
    );
    assert.deepEqual(r.getRowObjects(), [{ n: 6696 * 28, keys: 6696, empty: 0 }]);
    conn.closeSync();
    db.closeSync();
  });
});
