import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { openDuckDBCustomerSession } from './duckdb/duckdb-customer-session.js';
import { sqlRoutes } from './sql-routes.js';
import { openSqlFixture, type SqlFixture } from './testing/sql-fixture.js';

let fx: SqlFixture;
let app: FastifyInstance;

before(async () => {
  fx = await openSqlFixture();
  app = Fastify();
  sqlRoutes(app, {
    customers: fx.customers,
    openSession: async (customer) =>
      openDuckDBCustomerSession({
        lakeRoot: fx.etl.lakeRoot,
        customer,
        grants: await fx.customers.grants(customer),
        ponds: fx.ponds,
        statementTimeoutMs: 5000,
        maxRows: 5,
      }),
  });
  await app.ready();
});
after(async () => {
  await app?.close();
  await fx?.close();
});

const post = (
  key: string | undefined,
  body: unknown,
  extra: Record<string, string> = {},
  url = '/v1/sql',
) => {
  const headers: Record<string, string> = {
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...extra,
  };
  if (typeof body === 'string') headers['content-type'] = 'text/plain';
  return app.inject({ method: 'POST', url, headers, payload: body as string | object });
};

describe('GET /v1/me', () => {
  it('answers the customer of the key with its grants, 401 without a valid key', async () => {
    const get = (key?: string) =>
      app.inject({ url: '/v1/me', headers: key ? { authorization: `Bearer ${key}` } : {} });
    const r = await get(fx.keys.acme);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), {
      customer: 'acme',
      grants: [{ pond: 'market_demand_daily', markets: [fx.market] }],
    });
    assert.equal((await get()).statusCode, 401);
    assert.equal((await get('fsk_wrong')).statusCode, 401);
  });

  it('takes the key as X-Api-Key too, as every other /v1 route does', async () => {
    // docs/api.md: a key goes in `Authorization: Bearer` or `X-Api-Key`; /v1/me and /v1/sql
    // answered 401 to the second
    const me = await app.inject({ url: '/v1/me', headers: { 'x-api-key': fx.keys.acme } });
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().customer, 'acme');
    const sql = await post(undefined, { sql: 'SELECT 1 AS one' }, { 'x-api-key': fx.keys.acme });
    assert.equal(sql.statusCode, 200, sql.body);
    const refused = await app.inject({ url: '/v1/me', headers: { 'x-api-key': 'fsk_wrong' } });
    assert.equal(refused.statusCode, 401);
    assert.match(refused.json().message, /X-Api-Key/);
  });
});

describe('POST /v1/sql', () => {
  it('answers JSON for the customer of the key, narrowed', async () => {
    const r = await post(fx.keys.acme, { sql: 'SELECT DISTINCT market FROM market_demand_daily' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().rows, [{ market: fx.market }]);
    assert.deepEqual(r.json().columns, [{ name: 'market', type: 'VARCHAR' }]);
  });

  it('answers CSV, from a text/plain body too', async () => {
    const r = await post(
      fx.keys.acme,
      'SELECT DISTINCT market FROM market_demand_daily',
      {},
      '/v1/sql?format=csv',
    );
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.headers['content-type'] as string, /text\/csv/);
    assert.equal(r.body, `market\n${fx.market}\n`);
  });

  it('refuses without a valid key, and refuses escapes and big results clearly', async () => {
    assert.equal((await post(undefined, { sql: 'SELECT 1' })).statusCode, 401);
    assert.equal((await post('fsk_wrong', { sql: 'SELECT 1' })).statusCode, 401);
    const other = await post(fx.keys.acme, { sql: 'SELECT * FROM fare_trends' });
    assert.equal(other.statusCode, 400);
    assert.match(other.json().message, /fare_trends.*not granted/);
    const rp = await post(fx.keys.acme, { sql: "SELECT * FROM read_json('/etc/passwd')" });
    assert.equal(rp.statusCode, 400);
    const big = await post(fx.keys.globex, { sql: 'SELECT * FROM fare_trends' });
    assert.equal(big.statusCode, 413);
    assert.match(big.json().message, /more than 5 rows/);
    assert.equal((await post(fx.keys.acme, { nope: 1 })).statusCode, 400);
  });
});
