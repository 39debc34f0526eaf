import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Service } from '../ops/service.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';
import { startWireEndpoint } from './testing/wire-fixture.js';

const hasPsql = spawnSync('psql', ['--version']).status === 0;
if (!hasPsql)
  console.log(
    '# skipping the psql tests: the psql client is not installed (apt install postgresql-client)',
  );

let fx: SqlFixture;
let server: Service & { port: number };

/** Runs psql asynchronously (the endpoint answers from this same process). */
function psql(
  user: string,
  password: string,
  sql: string,
): Promise<{ status: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(server.port),
        '-U',
        user,
        '-d',
        'faresight',
        '-X',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ],
      {
        env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' },
        encoding: 'utf8',
        timeout: 30_000,
      },
      (err, stdout, stderr) =>
        resolve({
          status: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0,
          out: stdout.trim(),
          err: stderr.trim(),
        }),
    );
  });
}

describe('the Postgres wire endpoint, through psql', {
  skip: hasPsql ? false : 'psql not installed',
}, () => {
  before(async () => {
    fx = await openSqlFixture();
    server = await startWireEndpoint(fx);
  });
  after(async () => {
    await server?.stop();
    await fx?.close();
  });

  it('answers a customer with its narrowed pond', async () => {
    const r = await psql('acme', fx.keys.acme, 'SELECT DISTINCT market FROM market_demand_daily');
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, fx.market);
    const n = await psql(
      'acme',
      fx.keys.acme,
      'SELECT count(*) > 0, sum(searches) > 0 FROM market_demand_daily',
    );
    assert.equal(n.out, 't|t');
  });

  it('refuses a wrong key and another customer key', async () => {
    const bad = await psql('acme', 'wrong', 'SELECT 1');
    assert.notEqual(bad.status, 0);
    assert.match(bad.err, /password authentication failed for user "acme"/);
    const swapped = await psql('acme', fx.keys.globex, 'SELECT 1');
    assert.notEqual(swapped.status, 0);
  });

  it('refuses escapes with a clear error and keeps the session usable', async () => {
    for (const [sql, msg] of [
      ['SELECT * FROM fare_trends', /fare_trends.*not granted/],
      [
        `SELECT * FROM read_parquet('${fx.etl.lakeRoot}/ponds/fare_trends/*/*.parquet')`,
        /read_parquet/,
      ],
      [`COPY market_demand_daily TO '/tmp/x.csv'`, /only read queries/],
      [`ATTACH '/tmp/x.duckdb'`, /only read queries/],
      ['SELECT 1; SELECT * FROM fare_trends', /exactly one statement|not granted/],
      ['SELECT * FROM secret_table', /not granted/],
    ] as const) {
      const r = await psql('acme', fx.keys.acme, sql);
      assert.notEqual(r.status, 0, sql);
      assert.match(r.err, msg, sql);
    }
  });

  it('gives globex its own table and both ponds, unnarrowed', async () => {
    const r = await psql(
      'globex',
      fx.keys.globex,
      'SELECT count(DISTINCT market) > 1 FROM market_demand_daily',
    );
    assert.equal(r.out, 't');
    const own = await psql('globex', fx.keys.globex, 'SELECT count(*) > 0 FROM secret_table');
    assert.equal(own.out, 't', own.err);
  });
});
