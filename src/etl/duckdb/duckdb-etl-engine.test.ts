import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_ETL_MEMORY_LIMIT } from '../../config/config.js';
import { hiveType } from '../../lake/catalog/hive-type.js';
import type { JobDefinition } from '../job.js';
import { DuckDBEtlEngine } from './duckdb-etl-engine.js';

const job: JobDefinition = {
  name: 'odd_types',
  description: 'columns Hive cannot read as DuckDB writes them',
  schedule: '0 * * * *',
  inputs: ['searches'],
  pond: 'odd_types',
  sql:
    "SELECT DATE '2026-12-20' AS shop_date, TIME '10:30' AS t, INTERVAL 2 DAY AS i, " +
    "'6d3f9f0e-4a55-4f6e-9d1c-0c8a1f7f1a11'::UUID AS u, sum(1) AS n",
  partitionColumn: 'shop_date',
  grain: 'day',
  incrementalKey: 'shopped_at',
  lateDays: 2,
};

test('a pond column Hive cannot read is written and described as VARCHAR', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'etl-engine-'));
  const engine = await DuckDBEtlEngine.open({ threads: 1, memoryLimit: DEFAULT_ETL_MEMORY_LIMIT });
  t.after(async () => {
    await engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const cols = await engine.describe(job);
  assert.deepEqual(
    cols.map((c) => `${c.name} ${c.type}`),
    ['shop_date DATE', 't VARCHAR', 'i VARCHAR', 'u VARCHAR', 'n HUGEINT'],
  );
  for (const c of cols) assert.ok(hiveType(c.type), c.name);
  const out = path.join(dir, 'pond');
  const built = await engine.build(job, {}, ['2026-12-20'], out);
  assert.equal(built.rows, 1);
  assert.equal(built.overLimit, undefined, 'it fits in the default limit');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(
      `SELECT t, i, u, typeof(t) FROM read_parquet('${out}/*/*.parquet')`,
    );
    assert.deepEqual(r.getRows()[0], [
      '10:30:00',
      '2 days',
      '6d3f9f0e-4a55-4f6e-9d1c-0c8a1f7f1a11',
      'VARCHAR',
    ]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});

test('a build that does not fit in the memory limit is run again without one, from an empty folder', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'etl-engine-'));
  // a hash table of 500,000 groups of a holistic aggregate (quantile_disc) cannot spill
  const holistic: JobDefinition = {
    ...job,
    name: 'holistic',
    pond: 'holistic',
    sql:
      "SELECT DATE '2026-12-20' AS shop_date, count(*) AS n, sum(m) AS total FROM " +
      '(SELECT x % 500000 AS g, quantile_disc(x * 1.5, 0.5) AS m FROM range(2000000) t(x) GROUP BY g)',
  };
  const engine = await DuckDBEtlEngine.open({ threads: 1, memoryLimit: '8MB' });
  const unlimited = await DuckDBEtlEngine.open({ threads: 1, memoryLimit: 'none' });
  t.after(async () => {
    await engine.close();
    await unlimited.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const out = path.join(dir, 'limited');
  // what a first attempt may have left is not in the result
  await fs.mkdir(path.join(out, 'shop_date=2026-12-20'), { recursive: true });
  await fs.writeFile(path.join(out, 'shop_date=2026-12-20', 'left-over.parquet'), 'junk');
  const built = await engine.build(holistic, {}, ['2026-12-20'], out);
  assert.match(
    built.overLimit ?? '',
    /Out of Memory/,
    'the result says so, for the job runner to log',
  );
  const want = await unlimited.build(holistic, {}, ['2026-12-20'], path.join(dir, 'unlimited'));
  assert.equal(want.overLimit, undefined);
  assert.deepEqual(built.partitions, want.partitions);
  assert.equal(built.rows, 1);
  assert.deepEqual(await fs.readdir(path.join(out, 'shop_date=2026-12-20')), [
    ...(await fs.readdir(path.join(dir, 'unlimited', 'shop_date=2026-12-20'))),
  ]);
});
