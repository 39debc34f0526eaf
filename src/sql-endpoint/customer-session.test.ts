import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CustomerSession } from './customer-session.js';
import { openDuckDBCustomerSession } from './duckdb/duckdb-customer-session.js';
import { RowLimitError, SqlRejectedError, SqlTimeoutError } from './errors.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';

let fx: SqlFixture;
let acme: CustomerSession;

before(async () => {
  fx = await openSqlFixture();
  acme = await openDuckDBCustomerSession({
    lakeRoot: fx.etl.lakeRoot,
    customer: 'acme',
    grants: await fx.customers.grants('acme'),
    ponds: fx.ponds,
    // Short enough for the timeout test, long enough for a loaded CI machine: a statement
    // the timer fired on is now always an error, even if its rows had all arrived.
    statementTimeoutMs: 5000,
    maxRows: 50,
  });
});
after(async () => {
  await acme?.close();
  await fx?.close();
});

describe('a customer session', () => {
  it('sees only its granted ponds, narrowed to its markets', async () => {
    assert.deepEqual(acme.relations, ['market_demand_daily']);
    const r = await acme.query('SELECT DISTINCT market FROM market_demand_daily');
    assert.deepEqual(r.rows, [{ market: fx.market }]);
    const t = await acme.query('SELECT table_name FROM information_schema.tables ORDER BY 1');
    assert.deepEqual(t.rows, [{ table_name: 'market_demand_daily' }]);
  });

  it('says a granted pond is not built yet, not that it does not exist', async () => {
    // a customer granted a pond in the minutes after `up` (before the pond's first run)
    // read 'relation "market_demand_daily" does not exist or is not granted to you'
    const fresh = await openDuckDBCustomerSession({
      lakeRoot: fx.etl.lakeRoot,
      customer: 'newcomer',
      grants: [{ pond: 'market_demand_daily' }],
      ponds: fx.ponds.map((p) => ({ name: p.name })),
      statementTimeoutMs: 5000,
      maxRows: 50,
    });
    try {
      assert.deepEqual(fresh.relations, []);
      await assert.rejects(
        fresh.query('SELECT count(*) FROM market_demand_daily'),
        (err: Error) =>
          err instanceof SqlRejectedError &&
          /pond "market_demand_daily" is granted to you but not built yet.*etl status/.test(
            err.message,
          ),
      );
      // a pond not granted still reads as unknown, whether built or not
      await assert.rejects(
        fresh.query('SELECT * FROM fare_trends'),
        /relation "fare_trends" does not exist or is not granted to you/,
      );
    } finally {
      await fresh.close();
    }
  });

  it('runs CTEs, subqueries, comments and quoted identifiers over its own relations', async () => {
    const r = await acme.query(
      `/* a comment; with a semicolon */ WITH t AS (SELECT * FROM "market_demand_daily") -- trailing; comment
       SELECT count(*) AS n FROM t WHERE searches > (SELECT 0)`,
    );
    assert.ok(Number(r.rows[0]?.n) > 0);
  });

  const lake = () => fx.etl.lakeRoot;
  const escapes: [string, () => string, RegExp][] = [
    ['another pond by name', () => 'SELECT * FROM fare_trends', /fare_trends.*not granted/],
    ['another customer table by name', () => 'SELECT * FROM secret_table', /not granted/],
    [
      'another customer table qualified',
      () => 'SELECT * FROM globex.main.secret_table',
      /not granted/,
    ],
    [
      'a pond by path',
      () => `SELECT * FROM '${lake()}/ponds/fare_trends/*/*.parquet'`,
      /not granted/,
    ],
    [
      'another customer by path',
      () => `SELECT * FROM '${path.join(lake(), 'customers/globex/secret_table/data.parquet')}'`,
      /not granted/,
    ],
    [
      'read_parquet',
      () => `SELECT * FROM read_parquet('${lake()}/ponds/fare_trends/*/*.parquet')`,
      /read_parquet/,
    ],
    [
      'parquet_scan',
      () => `SELECT * FROM parquet_scan('${lake()}/ponds/market_demand_daily/*/*.parquet')`,
      /parquet_scan/,
    ],
    [
      'read_csv in a CTE',
      () => `WITH t AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM t`,
      /read_csv/,
    ],
    ['glob in a scalar subquery', () => `SELECT (SELECT count(*) FROM glob('/*'))`, /glob/],
    ['read_text', () => `SELECT * FROM read_text('/etc/hostname')`, /read_text/],
    ['read_blob', () => `SELECT * FROM read_blob('/etc/hostname')`, /read_blob/],
    ['sniff_csv', () => `SELECT * FROM sniff_csv('/etc/passwd')`, /sniff_csv/],
    ['query() table function', () => `SELECT * FROM query('SELECT * FROM fare_trends')`, /query/],
    ['duckdb_settings()', () => 'SELECT * FROM duckdb_settings()', /duckdb_settings/],
    ['duckdb_tables()', () => 'SELECT * FROM duckdb_tables()', /duckdb_tables/],
    ['duckdb_tables view', () => 'SELECT * FROM duckdb_tables', /not granted/],
    ['current_setting', () => "SELECT current_setting('allowed_directories')", /current_setting/],
    ['ATTACH', () => "ATTACH '/tmp/x.duckdb' AS x", /only read queries/],
    ['COPY TO', () => "COPY market_demand_daily TO '/tmp/out.csv'", /only read queries/],
    ['COPY (select) TO', () => "COPY (SELECT 1) TO '/tmp/out.csv'", /only read queries/],
    ['INSTALL', () => 'INSTALL httpfs', /only read queries/],
    ['LOAD', () => 'LOAD httpfs', /only read queries/],
    ['SET', () => 'SET enable_external_access = true', /only read queries/],
    ['PRAGMA', () => 'PRAGMA show_tables', /only read queries/],
    ['CALL', () => 'CALL duckdb_settings()', /only read queries/],
    ['EXPORT DATABASE', () => "EXPORT DATABASE '/tmp/exp'", /only read queries/],
    ['CREATE TABLE AS', () => 'CREATE TABLE x AS SELECT 1', /only read queries/],
    ['two statements', () => 'SELECT 1; SELECT 2', /exactly one statement/],
    [
      'a statement hidden after a comment',
      () => 'SELECT 1 /* x */; DROP VIEW market_demand_daily',
      /./,
    ],
    ['unicode look-alike name', () => 'SELECT * FROM "ｆare_trends"', /not granted/],
    ['SHOW TABLES', () => 'SHOW ALL TABLES', /not allowed|only read/],
  ];
  for (const [what, sql, message] of escapes) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(acme.query(sql()), (err: unknown) => {
        assert.ok(
          err instanceof SqlRejectedError,
          `${(err as Error).name}: ${(err as Error).message}`,
        );
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('still answers after refusals, and its view is intact', async () => {
    const r = await acme.query('SELECT count(*) AS n FROM market_demand_daily');
    assert.ok(Number(r.rows[0]?.n) > 0);
  });

  it('returns up to the row limit', async () => {
    const r = await acme.query(
      'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 50) SELECT n FROM t',
    );
    assert.equal(r.rows.length, 50);
  });

  it('enforces the row limit and the statement timeout', async () => {
    await assert.rejects(
      acme.query(
        'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 51) SELECT n FROM t',
      ),
      RowLimitError,
    );
    await assert.rejects(
      acme.query(
        'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10000000000) SELECT count(*) FROM t',
      ),
      SqlTimeoutError,
    );
  });
});
