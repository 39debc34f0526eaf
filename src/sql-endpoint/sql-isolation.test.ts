/**
 * Tenant isolation of customer SQL, as found from outside (issue 14): a CTE defined in one
 * subquery, named like a granted pond's file glob, let a string-literal scan of that glob
 * through elsewhere in the query (every market and point of sale), and the same trick read
 * pg_settings / duckdb_views (paths and filters). Tried over a session, `POST /v1/sql` and
 * the wire; then without the statement check at all, on the session's own database.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Service } from '../ops/service.js';
import type { CustomerSession } from './customer-session.js';
import {
  type CustomerDatabase,
  openCustomerDatabase,
  openDuckDBCustomerSession,
} from './duckdb/duckdb-customer-session.js';
import { SqlRejectedError } from './errors.js';
import { sqlRoutes } from './sql-routes.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';
import { startWireEndpoint } from './testing/wire-fixture.js';

let fx: SqlFixture;
let app: FastifyInstance;
let wire: Service & { port: number };

async function open(customer: string): Promise<CustomerSession> {
  const grants = await fx.customers.grants(customer);
  await fx.slices.sync(customer, grants);
  return openDuckDBCustomerSession({
    lakeRoot: fx.etl.lakeRoot,
    customer,
    grants,
    ponds: fx.ponds,
    statementTimeoutMs: 10_000,
    maxRows: 100_000,
  });
}

before(async () => {
  fx = await openSqlFixture();
  app = Fastify();
  sqlRoutes(app, { customers: fx.customers, openSession: open });
  await app.ready();
  wire = await startWireEndpoint(fx, { openSession: open });
});
after(async () => {
  await wire?.stop();
  await app?.close();
  await fx?.close();
});

type Rows = readonly Record<string, unknown>[];
type Outcome = { ok: true; rows: Rows } | { ok: false; message: string };

/** Runs `sql` as acme three ways: a session, `POST /v1/sql`, the wire (node-postgres). */
const ways: Record<string, (sql: string) => Promise<Outcome>> = {
  session: async (sql) => {
    const s = await open('acme');
    try {
      return { ok: true, rows: (await s.query(sql)).rows };
    } catch (err) {
      assert.ok(err instanceof SqlRejectedError, `${(err as Error).name}: ${String(err)}`);
      return { ok: false, message: err.message };
    } finally {
      await s.close();
    }
  },
  'POST /v1/sql': async (sql) => {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/sql',
      headers: { authorization: `Bearer ${fx.keys.acme}` },
      payload: { sql },
    });
    if (r.statusCode === 200) return { ok: true, rows: r.json().rows };
    assert.equal(r.statusCode, 400, r.body);
    return { ok: false, message: r.json().message };
  },
  wire: async (sql) => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: wire.port,
      user: 'acme',
      password: fx.keys.acme,
      database: 'faresight',
    });
    await c.connect();
    try {
      return { ok: true, rows: (await c.query(sql)).rows };
    } catch (err) {
      assert.equal((err as { code?: string }).code, '42501', String(err));
      return { ok: false, message: (err as Error).message };
    } finally {
      await c.end();
    }
  },
};

/** Every string anywhere in the rows. */
function strings(rows: Rows): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(rows);
  return out;
}

/** Paths in `text` under the lake that are not in acme's own area. */
function foreignPaths(text: string): string[] {
  const lake = fx.etl.lakeRoot;
  const own = path.join(lake, 'customers', 'acme');
  return [...text.matchAll(/\/[^\s'",)\]]+/g)]
    .map((m) => m[0])
    .filter((p) => p.startsWith(lake) && !p.startsWith(own));
}

const pondGlob = () => `${fx.etl.lakeRoot}/ponds/market_demand_daily/*/*.parquet`;

describe('the CTE-scope bypass', () => {
  const attacks: [string, () => string][] = [
    [
      'a CTE in a subquery named like the pond glob, the glob read in the outer FROM',
      () =>
        `SELECT DISTINCT market, pos FROM (WITH "${pondGlob()}" AS (SELECT 1 AS x) SELECT x FROM "${pondGlob()}") AS decoy, '${pondGlob()}'`,
    ],
    [
      'the same with the glob read in a scalar subquery of another branch',
      () =>
        `SELECT DISTINCT market FROM market_demand_daily UNION ALL SELECT market FROM '${pondGlob()}' WHERE EXISTS (WITH "${pondGlob()}" AS (SELECT 1) SELECT 1)`,
    ],
    [
      'a CTE named like another customer table, defined in a sibling subquery',
      () =>
        `SELECT * FROM (WITH secret_table AS (SELECT 1 AS x) SELECT x FROM secret_table) a, (SELECT * FROM secret_table) b`,
    ],
  ];
  for (const [way, run] of Object.entries(ways)) {
    for (const [what, sql] of attacks) {
      it(`is refused over ${way}: ${what}`, async () => {
        const r = await run(sql());
        if (r.ok) {
          const markets = new Set(r.rows.map((row) => row.market).filter((m) => m !== undefined));
          assert.deepEqual([...markets], markets.size ? [fx.market] : [], 'rows outside the grant');
        }
        assert.equal(r.ok, false, 'the statement was run');
      });
    }
  }
});

describe('reading settings and view definitions with the same trick', () => {
  const attacks: [string, string][] = [
    [
      'duckdb_views',
      'SELECT * FROM (WITH duckdb_views AS (SELECT 1) SELECT * FROM duckdb_views) a, duckdb_views',
    ],
    [
      'pg_settings',
      'SELECT * FROM (WITH pg_settings AS (SELECT 1) SELECT * FROM pg_settings) a, pg_settings',
    ],
    [
      'duckdb_settings()',
      'SELECT * FROM (WITH duckdb_settings AS (SELECT 1) SELECT * FROM duckdb_settings) a, duckdb_settings()',
    ],
  ];
  for (const [way, run] of Object.entries(ways)) {
    for (const [what, sql] of attacks) {
      it(`is refused over ${way}: ${what}`, async () => {
        const r = await run(sql);
        if (r.ok) assert.deepEqual(foreignPaths(strings(r.rows).join('\n')), []);
        assert.equal(r.ok, false, 'the statement was run');
      });
    }
  }
});

describe('without the statement check, on the session database itself', () => {
  let acme: CustomerDatabase;
  before(async () => {
    await fx.slices.sync('acme', await fx.customers.grants('acme'));
    acme = await openCustomerDatabase({
      lakeRoot: fx.etl.lakeRoot,
      customer: 'acme',
      grants: await fx.customers.grants('acme'),
      ponds: fx.ponds,
      statementTimeoutMs: 10_000,
      maxRows: 1000,
    });
  });
  after(() => {
    acme?.conn.closeSync();
    acme?.instance.closeSync();
  });
  const run = async (sql: string) => (await acme.conn.runAndReadAll(sql)).getRowObjectsJson();

  it('the granted pond holds only the granted market', async () => {
    assert.deepEqual(await run('SELECT DISTINCT market FROM market_demand_daily'), [
      { market: fx.market },
    ]);
  });

  const unreachable: [string, () => string][] = [
    ['the pond files', () => `SELECT DISTINCT market FROM '${pondGlob()}'`],
    [
      'the pond files through read_parquet',
      () => `SELECT DISTINCT market FROM read_parquet('${pondGlob()}', hive_partitioning = true)`,
    ],
    [
      'another pond',
      () => `SELECT count(*) FROM '${fx.etl.lakeRoot}/ponds/fare_trends/*/*.parquet'`,
    ],
    [
      "another customer's table",
      () => `SELECT count(*) FROM '${fx.etl.lakeRoot}/customers/globex/secret_table/data.parquet'`,
    ],
    [
      "another customer's slice",
      () =>
        `SELECT count(*) FROM '${fx.etl.lakeRoot}/customers/globex/ponds/market_demand_daily/data.parquet'`,
    ],
    ['the lake tables', () => `SELECT count(*) FROM '${fx.etl.lakeRoot}/searches/**/*.parquet'`],
    ['a system file', () => `SELECT * FROM read_text('/etc/hostname')`],
    ['a relative path', () => `SELECT * FROM read_text('package.json')`],
    [
      'a parent of the area',
      () =>
        `SELECT * FROM read_text('${fx.etl.lakeRoot}/customers/acme/../globex/secret_table/data.parquet')`,
    ],
  ];
  for (const [what, sql] of unreachable) {
    it(`cannot read ${what}`, async () => {
      await assert.rejects(run(sql()), /Permission Error|disabled|not allowed/i);
    });
  }

  it('cannot list files outside its area', async () => {
    const rows = await run(`SELECT file FROM glob('${fx.etl.lakeRoot}/**')`).catch(() => []);
    assert.deepEqual(foreignPaths(rows.map((r) => String(r.file)).join('\n')), []);
  });

  it('settings, views and catalog reveal no path outside its area', async () => {
    for (const sql of [
      'SELECT * FROM duckdb_settings()',
      'SELECT * FROM duckdb_views()',
      'SELECT * FROM pg_settings',
      'SELECT * FROM information_schema.views',
      'SELECT * FROM duckdb_databases()',
    ]) {
      const text = strings(await run(sql)).join('\n');
      assert.deepEqual(foreignPaths(text), [], sql);
      assert.doesNotMatch(text, /globex/, sql);
    }
  });

  it('cannot undo the lockdown', async () => {
    await assert.rejects(run('SET enable_external_access = true'), /lock|configuration/i);
    await assert.rejects(
      run(`SET allowed_directories = ['${fx.etl.lakeRoot}/']`),
      /lock|configuration/i,
    );
    await assert.rejects(run(`ATTACH '${fx.etl.lakeRoot}/x.duckdb' AS x`), /disabled|Permission/i);
  });
});

describe('the scoped statement check', () => {
  let acme: CustomerSession;
  before(async () => {
    acme = await open('acme');
  });
  after(async () => {
    await acme?.close();
  });

  const accepted: [string, string][] = [
    [
      'a CTE read by a later CTE and by a nested subquery',
      `WITH a AS (SELECT market FROM market_demand_daily), b AS (SELECT market FROM a)
       SELECT DISTINCT market FROM (SELECT market FROM b WHERE market IN (SELECT market FROM a))`,
    ],
    [
      'a recursive CTE',
      `WITH RECURSIVE r(market, n) AS (SELECT DISTINCT market, 1 FROM market_demand_daily
       UNION ALL SELECT market, n + 1 FROM r WHERE n < 3) SELECT DISTINCT market FROM r`,
    ],
    [
      'a WITH over a set operation',
      `WITH a AS (SELECT market FROM market_demand_daily)
       SELECT market FROM a UNION SELECT market FROM a`,
    ],
    [
      'a lateral join and unnest',
      `SELECT DISTINCT m.market FROM market_demand_daily m,
       LATERAL (SELECT x FROM unnest([1, 2]) AS u(x) WHERE x <= m.searches) l`,
    ],
    ['FROM-first', 'FROM market_demand_daily SELECT DISTINCT market'],
    [
      'PIVOT of its own relation',
      `SELECT market FROM market_demand_daily PIVOT (sum(searches) FOR cabin IN ('economy') GROUP BY market)`,
    ],
    [
      'a CTE shadowing another relation, read where it is in scope',
      'WITH fare_trends AS (SELECT market FROM market_demand_daily) SELECT DISTINCT market FROM fare_trends',
    ],
  ];
  for (const [what, sql] of accepted) {
    it(`runs ${what}`, async () => {
      const r = await acme.query(sql);
      assert.deepEqual(
        [...new Set(r.rows.map((row) => row.market))],
        [fx.market],
        JSON.stringify(r.rows.slice(0, 3)),
      );
    });
  }

  it('lets BI tools read the catalog views, which list only its relations', async () => {
    const t = await acme.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1",
    );
    assert.deepEqual(t.rows, [{ table_name: 'market_demand_daily' }]);
    const c = await acme.query(
      "SELECT relname FROM pg_catalog.pg_class WHERE relname IN ('market_demand_daily', 'fare_trends', 'secret_table')",
    );
    assert.deepEqual(c.rows, [{ relname: 'market_demand_daily' }]);
  });

  const refused: [string, string, RegExp][] = [
    [
      'a CTE used before it is defined',
      'WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a',
      /relation "b" does not exist/,
    ],
    [
      'a CTE of an inner query used outside it',
      'SELECT * FROM (WITH fare_trends AS (SELECT 1) SELECT 1) a, fare_trends',
      /"fare_trends" does not exist or is not granted/,
    ],
    [
      'a CTE of one set-operation branch used in the other',
      '(WITH secret_table AS (SELECT 1) SELECT 1) UNION ALL (SELECT 1 FROM secret_table)',
      /"secret_table" does not exist or is not granted/,
    ],
    [
      "a recursive CTE's own name in its non-recursive part",
      'WITH RECURSIVE fare_trends AS (SELECT 1 FROM fare_trends UNION ALL SELECT 1 FROM fare_trends) SELECT 1',
      /"fare_trends" does not exist or is not granted/,
    ],
    [
      'a CTE named like a path',
      `WITH "/etc/passwd" AS (SELECT 1) SELECT * FROM "/etc/passwd"`,
      /looks like a file path/,
    ],
    ['a quoted path', `SELECT * FROM "data.parquet"`, /looks like a file path/],
    [
      'a unicode-escaped path',
      `SELECT * FROM U&'\\002Fetc\\002Fpasswd'`,
      /NOT IMPLEMENTED|looks like a file path/,
    ],
    ['pg_settings', 'SELECT * FROM pg_settings', /"pg_settings" does not exist or is not granted/],
    ['duckdb_views', 'SELECT * FROM duckdb_views', /not granted/],
    [
      'information_schema outside the list',
      'SELECT * FROM system.information_schema.tables',
      /not granted/,
    ],
    [
      'a table function behind an alias',
      `SELECT * FROM read_parquet('x') AS market_demand_daily`,
      /read_parquet/,
    ],
    [
      'PIVOT of another relation',
      "SELECT * FROM fare_trends PIVOT (count(*) FOR market IN ('X'))",
      /fare_trends/,
    ],
    ['a macro', 'CREATE MACRO m() AS TABLE SELECT 1', /only read queries/],
    ['time travel', 'SELECT * FROM market_demand_daily AT (VERSION => 1)', /time travel/],
    ['SHOW', 'SHOW TABLES', /not allowed|only read/],
  ];
  for (const [what, sql, message] of refused) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(acme.query(sql), (err: unknown) => {
        assert.ok(err instanceof SqlRejectedError, String(err));
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
