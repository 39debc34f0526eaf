import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDBSqlParser } from './duckdb/duckdb-sql-parser.js';
import { keyMatches, scanPrefixes, type TableScan, tableScans } from './partition-pruning.js';

let parser: DuckDBSqlParser;
before(async () => {
  parser = await DuckDBSqlParser.open();
});
after(() => parser.close());

const scans = async (sql: string) => tableScans(await parser.parse(sql));
const only = async (sql: string): Promise<TableScan> => {
  const s = await scans(sql);
  assert.equal(s?.length, 1, sql);
  return s![0]!;
};

test('equalities narrow the listing down to one hour of one vendor', async () => {
  const scan = await only(
    "select * from offers where vendor = 'sabre' and dt = '2026-11-26' and hour = 5",
  );
  assert.deepEqual(scanPrefixes(scan), ['offers/vendor=sabre/dt=2026-11-26/hour=05/']);
  const noVendor = await only(
    "select * from offers o where o.dt = DATE '2026-11-26' and hour = '05'",
  );
  assert.deepEqual(scanPrefixes(noVendor), ['offers/']);
  assert.equal(
    keyMatches('offers/vendor=x/dt=2026-11-26/hour=05/0-1-2.parquet', noVendor.predicates),
    true,
  );
  assert.equal(
    keyMatches('offers/vendor=x/dt=2026-11-26/hour=06/0-1-2.parquet', noVendor.predicates),
    false,
  );
  assert.equal(
    keyMatches('offers/vendor=x/dt=2026-11-25/hour=05/0-1-2.parquet', noVendor.predicates),
    false,
  );
  const vendors = await only(
    "select 1 from offers where vendor in ('a', 'b') and dt = '2026-01-02'",
  );
  assert.deepEqual(scanPrefixes(vendors), [
    'offers/vendor=a/dt=2026-01-02/',
    'offers/vendor=b/dt=2026-01-02/',
  ]);
});

test('anything but the top-level single-table WHERE reads whole tables', async () => {
  for (const sql of [
    "select * from offers where dt = '2026-01-01' or hour = 5",
    'select * from offers where hour = (select 5)',
    "select * from offers o join searches s on o.search_id = s.id where s.dt = '2026-01-01'",
    "select * from offers where dt = '2026-01-01' union all select * from offers where dt = '2026-01-02'",
    "select * from offers x where offers.dt = '2026-01-01'",
    "select * from offers where cast(hour as varchar) = '5'",
    "select * from offers where dt = '2026-1-1'",
    'select * from offers where hour = 5.0',
    "select * from offers where vendor > 'a'",
    "select * from offers where dt = TIMESTAMP '2026-01-01 00:00:00'",
  ]) {
    const s = (await scans(sql)) ?? [];
    assert.ok(s.length > 0, sql);
    for (const scan of s) {
      assert.deepEqual(scan.predicates, [], sql);
      assert.deepEqual(scanPrefixes(scan), [`${scan.table}/`], sql);
    }
  }
  const cte = await scans(
    "with x as (select * from searches) select * from offers where dt = '2026-01-01' and exists (select 1 from x)",
  );
  assert.deepEqual(cte?.map((s) => [s.table, s.predicates.length]).sort(), [
    ['offers', 1],
    ['searches', 0],
    ['x', 0],
  ]);
  assert.deepEqual(await scans('describe offers'), [{ table: 'offers', predicates: [] }]);
  assert.equal(tableScans(await parser.parse("copy offers to 'x.csv'")), undefined);
  assert.equal(tableScans(await parser.parse('select from where')), undefined);
});

test('never prunes a partition the engine would read (checked against DuckDB itself)', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    `create table offers as select v as vendor, d::date as dt, h::integer as hour
     from unnest(['amadeus', 'sabre']) t(v), unnest(['2026-11-25', '2026-11-26', '2026-11-27']) u(d), range(0, 24) r(h)`,
  );
  const wheres = [
    "dt = '2026-11-26' and hour = 5",
    "dt = '2026-11-26' and hour = '05'",
    "dt between '2026-11-25' and '2026-11-26' and hour >= 22",
    "'2026-11-26' < dt and 3 > hour",
    "dt >= DATE '2026-11-26' and hour in (1, '2', 23) and vendor = 'sabre'",
    "vendor in ('sabre', 'nobody') and hour <= 0",
    "dt <= '2026-11-25' and hour between 4 and 6 and (vendor = 'x' or true)",
    "dt = '2026-11-26' and dt = '2026-11-27'",
    'hour in (5, 6) and hour in (6, 7)',
  ];
  for (const where of wheres) {
    const sql = `select vendor, strftime(dt, '%Y-%m-%d') as dt, hour from offers where ${where}`;
    const read = (await conn.runAndReadAll(sql)).getRowObjectsJS();
    const scan = await only(`select * from offers where ${where}`);
    assert.ok(scan.predicates.length > 0, where);
    const keyOf = (r: Record<string, unknown>) =>
      `offers/vendor=${r.vendor}/dt=${r.dt}/hour=${String(r.hour).padStart(2, '0')}/0-1-2.parquet`;
    const all = (
      await conn.runAndReadAll(`select vendor, strftime(dt, '%Y-%m-%d') as dt, hour from offers`)
    ).getRowObjectsJS();
    const kept = all.map(keyOf).filter((k) => keyMatches(k, scan.predicates));
    const listable = kept.filter((k) => scanPrefixes(scan).some((p) => k.startsWith(p)));
    // These predicates are all understood, so the pruning is exact, not just safe.
    assert.deepEqual(listable.sort(), read.map(keyOf).sort(), where);
  }
  conn.closeSync();
  db.closeSync();
});
