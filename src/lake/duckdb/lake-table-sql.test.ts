import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type TestContext, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { groupBySchema, readLakeFileGroups, SchemaCache } from './lake-table-sql.js';

/** A scratch DuckDB and directory, closed after `t`; `file` writes a SELECT as a lake file of `hour`. */
async function scratch(t: TestContext) {
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
  return { conn, file };
}

test('lake files of several schemas are read group by group, every row, missing columns NULL', async (t) => {
  const { conn, file } = await scratch(t);
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

test('grouping again with a SchemaCache reads only the footers of files it has not seen', async (t) => {
  const { conn, file } = await scratch(t);
  const a = await file('01', 'SELECT 1 AS n');
  const b = await file('02', 'SELECT 2 AS n, 3 AS m');
  const cache = new SchemaCache();
  assert.deepEqual(await groupBySchema(conn, [a, b], cache), [[a], [b]]);
  assert.equal(cache.size, 2);
  // a's footer is not read again: a file that changed would fail if it were
  await fs.writeFile(a, 'not parquet');
  const c = await file('03', 'SELECT 4 AS n');
  assert.deepEqual(await groupBySchema(conn, [a, b, c], cache), [[a, c], [b]]);
  await assert.rejects(groupBySchema(conn, [a, b, c]), /parquet/i, 'without the cache it is read');
  const oneColumn = cache.get(a);
  assert.equal(cache.get(c), oneColumn, 'equal schemas, one id');
  cache.retain([b, c]);
  assert.equal(cache.size, 2);
  assert.equal(cache.get(a), undefined);
  assert.equal(cache.get(c), oneColumn);
});

test('grouping thousands of files fits in a small memory limit', async (t) => {
  const { conn: writer } = await scratch(t);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-sql-'));
  const db = await DuckDBInstance.create(':memory:', { memory_limit: '32MB', threads: '2' });
  const conn = await db.connect();
  t.after(async () => {
    conn.closeSync();
    db.closeSync();
    await fs.rm(dir, { recursive: true, force: true });
  });
  // 2,000 files of one row and 50 columns, half of them with their columns in reverse order
  const columns = Array.from({ length: 50 }, (_, c) => `i + ${c} AS c${c}`);
  for (const [side, cols] of [
    ['a', columns],
    ['b', columns.toReversed()],
  ] as const)
    await writer.run(
      `COPY (SELECT i % 1000 AS part, ${cols.join(', ')} FROM range(1000) t(i)) ` +
        `TO '${dir}/${side}' (FORMAT parquet, PARTITION_BY (part))`,
    );
  const files = [];
  for (const side of ['a', 'b'])
    for (const part of await fs.readdir(path.join(dir, side)))
      for (const f of await fs.readdir(path.join(dir, side, part)))
        files.push(path.join(dir, side, part, f));
  assert.equal(files.length, 2000);
  const groups = await groupBySchema(conn, files);
  assert.equal(groups.length, 1, 'one schema, whatever the order of its columns');
  assert.equal(groups[0]!.length, 2000);
});
