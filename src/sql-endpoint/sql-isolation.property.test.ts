/**
 * Property: whatever hostile SQL acme sends (CTE names shadowing paths and relations in
 * other scopes, quoted identifiers that are paths, nested subqueries, set operations,
 * lateral joins, unicode escapes, replacement scans, table functions behind aliases,
 * macros, PIVOT, FROM-first), no successful result holds a row outside its grant (a
 * market other than its one market, another customer's name, a path outside its area).
 * Each statement runs twice: through the session (statement check and lockdown) and
 * straight on the session's locked-down database (no statement check at all), where any
 * attempt to open a file outside acme's area must fail.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CustomerSession } from './customer-session.js';
import {
  type CustomerDatabase,
  openCustomerDatabase,
  openDuckDBCustomerSession,
} from './duckdb/duckdb-customer-session.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';

let fx: SqlFixture;
let session: CustomerSession;
let raw: CustomerDatabase;

before(async () => {
  fx = await openSqlFixture();
  const spec = {
    lakeRoot: fx.etl.lakeRoot,
    customer: 'acme',
    grants: await fx.customers.grants('acme'),
    ponds: fx.ponds,
    statementTimeoutMs: 10_000,
    maxRows: 100_000,
  };
  session = await openDuckDBCustomerSession(spec);
  raw = await openCustomerDatabase(spec);
});
after(async () => {
  await session?.close();
  raw?.conn.closeSync();
  raw?.instance.closeSync();
  await fx?.close();
});

const lake = () => fx.etl.lakeRoot;
const sq = (s: string) => `'${s.replaceAll("'", "''")}'`;
const dq = (s: string) => `"${s.replaceAll('"', '""')}"`;
/** `U&'...'` / `U&"..."` with every `/` written as a unicode escape. */
const uesc = (s: string, q: string) => `U&${q}${s.replaceAll('/', '\\002F')}${q}`;

/** Paths of things acme must not read. */
const foreignPaths = () => [
  `${lake()}/ponds/market_demand_daily/*/*.parquet`,
  `${lake()}/ponds/fare_trends/*/*.parquet`,
  `${lake()}/ponds/market_demand_daily/**/*.parquet`,
  `${lake()}/ponds/../ponds/fare_trends/*/*.parquet`,
  `${lake()}/customers/globex/ponds/market_demand_daily/data.parquet`,
  `${lake()}/customers/globex/secret_table/data.parquet`,
  `${lake()}/customers/acme/../globex/ponds/fare_trends/data.parquet`,
  `file://${lake()}/ponds/fare_trends/*/*.parquet`,
  `${lake()}/offers/**/*.parquet`,
];

const pathArb = fc
  .constantFrom(...Array.from({ length: 9 }, (_, i) => i))
  .map((i) => foreignPaths()[i]!);

/** A FROM item that should give a `market` column (or fail). */
const source: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'market_demand_daily',
      '"market_demand_daily"',
      'MARKET_DEMAND_DAILY',
      'main.market_demand_daily',
      'memory.main.market_demand_daily',
    ),
  },
  fc.constantFrom(
    'fare_trends',
    'carrier_share',
    'secret_table',
    'globex.secret_table',
    '"ｆare_trends"',
    'pg_settings',
    'duckdb_views',
    'duckdb_settings()',
    'information_schema.tables',
    "query_table('fare_trends')",
    "query('SELECT * FROM fare_trends')",
  ),
  pathArb.map(sq),
  pathArb.map(dq),
  pathArb.map((p) => uesc(p, "'")),
  pathArb.map((p) => uesc(p, '"')),
  pathArb.map((p) => `read_parquet(${sq(p)}, hive_partitioning = true) AS market_demand_daily`),
  pathArb.map((p) => `parquet_scan(${sq(p)})`),
  pathArb.map((p) => `read_csv(${sq(p)})`),
  pathArb.map((p) => `(SELECT file AS market FROM glob(${sq(p)}))`),
);

/** A CTE name: plain, shadowing a relation, or a path. */
const cteName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    't',
    'x',
    'market_demand_daily',
    'fare_trends',
    'secret_table',
    'pg_settings',
    'duckdb_views',
  ),
  pathArb.map(dq),
  pathArb.map((p) => uesc(p, '"')),
);

/** A statement whose result has a `market` column (when it runs at all). */
const query: fc.Memo<string> = fc.memo((depth) => {
  const leaf = fc.oneof(
    source.map((s) => `SELECT market FROM ${s}`),
    source.map((s) => `FROM ${s} SELECT market`),
  );
  if (depth <= 1) return leaf;
  const q = query(depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    fc.tuple(cteName, q, q).map(([n, a, b]) => `WITH ${n} AS (${a}) ${b}`),
    fc
      .tuple(cteName, q, source)
      .map(
        ([n, a, s]) =>
          `SELECT market FROM (WITH ${n} AS (${a}) SELECT market FROM ${n}) AS d, ${s}`,
      ),
    fc
      .tuple(cteName, q, source)
      .map(
        ([n, a, s]) =>
          `SELECT market FROM ${s} WHERE EXISTS (WITH ${n} AS (${a}) SELECT 1 FROM ${n})`,
      ),
    q.map((a) => `SELECT market FROM (${a}) AS s`),
    fc
      .tuple(q, q, fc.constantFrom('UNION ALL', 'UNION', 'EXCEPT', 'INTERSECT'))
      .map(([a, b, op]) => `(${a}) ${op} (${b})`),
    fc.tuple(q, q).map(([a, b]) => `SELECT a.market FROM (${a}) a JOIN LATERAL (${b}) b ON true`),
    fc.tuple(source, q).map(([s, a]) => `SELECT market FROM ${s} WHERE market IN (${a})`),
    fc
      .tuple(cteName, q)
      .map(
        ([n, a]) =>
          `WITH RECURSIVE ${n}(market) AS (${a} UNION SELECT market FROM ${n}) SELECT market FROM ${n}`,
      ),
    source.map(
      (s) => `SELECT * FROM ${s} PIVOT (count(*) FOR pos IN ('US', 'GB') GROUP BY market)`,
    ),
    fc
      .tuple(source, q)
      .map(
        ([s, a]) =>
          `CREATE TEMP MACRO m() AS TABLE SELECT market FROM ${s}; SELECT * FROM m(); ${a}`,
      ),
    source.map((s) => `SELECT market FROM (SELECT * FROM ${s}) AS market_demand_daily`),
  );
});

/** Every string anywhere in the rows. */
function strings(rows: readonly Record<string, unknown>[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(rows);
  return out;
}

/** Throws when the rows hold anything outside acme's grant. */
function assertWithinGrant(sql: string, rows: readonly Record<string, unknown>[]): void {
  const own = path.join(lake(), 'customers', 'acme');
  for (const s of strings(rows)) {
    if (/^[A-Z]{3}-[A-Z]{3}$/.test(s))
      assert.equal(s, fx.market, `a market outside the grant came back for: ${sql}`);
    for (const m of s.matchAll(/\/[^\s'",)\]]+/g))
      assert.ok(
        !m[0].startsWith(lake()) || m[0].startsWith(own),
        `path ${m[0]} came back for: ${sql}`,
      );
    assert.doesNotMatch(s, /globex/, `another customer came back for: ${sql}`);
  }
}

describe('hostile SQL from a customer granted one market', () => {
  it('never returns a row outside the grant, with or without the statement check', async () => {
    let accepted = 0;
    let rawSucceeded = 0;
    await fc.assert(
      fc.asyncProperty(query(4), async (sql) => {
        const checked = await session.query(sql).then(
          (r) => r.rows,
          () => undefined,
        );
        if (checked) {
          accepted++;
          assertWithinGrant(sql, checked);
        }
        const unchecked = await raw.conn.runAndReadAll(sql).then(
          (r) => r.getRowObjectsJson() as Record<string, unknown>[],
          () => undefined,
        );
        if (unchecked) {
          rawSucceeded++;
          assertWithinGrant(sql, unchecked);
        }
      }),
      { numRuns: 300, endOnFailure: true },
    );
    // The generator is not only producing statements that fail to bind.
    assert.ok(accepted > 20, `only ${accepted} statements were accepted`);
    assert.ok(rawSucceeded > 20, `only ${rawSucceeded} statements ran without the check`);
    console.log(`# ${accepted} of 300 accepted; ${rawSucceeded} ran without the check`);
    const r = await raw.conn.runAndReadAll('SELECT DISTINCT market FROM market_demand_daily');
    assert.deepEqual(r.getRowObjectsJson(), [{ market: fx.market }]);
  });
});
