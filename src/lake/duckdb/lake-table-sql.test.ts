import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { groupBySchema, readLakeFileGroups } from './lake-table-sql.js';

test('lake files of several schemas are read group by group, every row, missing columns NULL', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-sql-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  t.after(async () => {
    conn.closeSync();
    db.closeSync();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const file = async (hour: string, select: string) => {
    const p = path.join(dir, 'searches', 'vendor=v', 'dt=2026-12-01', `hour=${hour}`);
    await fs.mkdir(p, { recursive: true });
    const f = path.join(p, 'part.parquet');
    await conn.run(`COPY (${select}) TO '${f}' (FORMAT parquet)`);
    return f;
  };
  // an older file without `extra`, a newer one with it, and one of the older schema whose
  // columns come in another order (DuckDB matches columns by name)
  const old = await file('01', "SELECT 1 AS n, 'a' AS s");
  const newer = await file('02', "SELECT 2 AS n, 'b' AS s, 2.5 AS extra");
  const reordered = await file('03', "SELECT 'c' AS s, 3 AS n");
  const groups = await groupBySchema(conn, [old, newer, reordered]);
  assert.deepEqual(groups, [[old, reordered], [newer]]);
  const r = await conn.runAndReadAll(
    `SELECT n, s, extra, hour FROM ${readLakeFileGroups(groups)} ORDER BY n`,
  );
  assert.deepEqual(
    r.getRows().map((row) => row.map(String)),
    [
      ['1', 'a', 'null', '1'],
      ['2', 'b', '2.5', '2'],
      ['3', 'c', 'null', '3'],
    ],
  );
  assert.throws(() => readLakeFileGroups([]), /no file/);
});
