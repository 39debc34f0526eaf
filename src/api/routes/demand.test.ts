import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { forecastDemand } from '../../analytics/forecast/demand-forecast-job.js';
import { DemandStore } from '../../analytics/forecast/demand-store.js';
import { fitInline } from '../../analytics/forecast/fit-series.js';
import { weeklyCounts as counts } from '../../analytics/forecast/testing/weekly-counts.js';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import type { SqlClient } from '../../sql/sql-client.js';
import { errorResponse } from '../error-response.js';
import { RouteTable } from '../route-spec.js';
import { demandRoutes } from './demand.js';

describe('demand routes', () => {
  let client: SqlClient;
  before(async () => {
    client = await PGliteClient.open();
  });
  after(async () => {
    await client.close();
  });

  it('stores forecasts and serves them on the demand endpoints', async () => {
    const store = new DemandStore(client);
    await store.migrate();
    const out = await forecastDemand(counts(), { asOf: '2030-03-12' }, fitInline);
    await store.write(out, new Date('2030-03-12T03:00:00Z'));
    await store.write(out, new Date('2030-03-12T03:00:00Z')); // a re-run replaces
    const app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      const r = errorResponse(err);
      reply.status(r.status).send(r.body);
    });
    demandRoutes(new RouteTable(app), store);
    const m = await app.inject({ url: '/v1/markets/jfk-lax/demand' });
    assert.equal(m.statusCode, 200);
    const body = m.json() as {
      key: string;
      history: unknown[];
      forecast: { date: string }[];
      generatedAt: string;
    };
    assert.equal(body.key, 'JFK-LAX');
    assert.equal(body.history.length, 70);
    assert.equal(body.forecast.length, 28);
    assert.equal(body.generatedAt, '2030-03-12T03:00:00.000Z');
    assert.equal((await app.inject({ url: '/v1/airports/SFO/demand' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/v1/airports/CDG/demand' })).statusCode, 404);
    // Not ORIGIN-DESTINATION: no route matches, as for /v1/markets/JFKLAX.
    assert.equal((await app.inject({ url: '/v1/markets/JFKLAX/demand' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/v1/markets/JFK-JF1/demand' })).statusCode, 400);
    await app.close();
  });

  it('does not hold the embedded row store for the whole job: a read answers while the job writes', async () => {
    const store = new DemandStore(client);
    await store.migrate();
    const out = await forecastDemand(counts(), { asOf: '2030-03-12' }, fitInline);
    assert.ok(out.length > 1, 'needs several series');
    const many = Array.from({ length: 20 }, () => out).flat();
    const order: string[] = [];
    const write = store
      .write(many, new Date('2030-03-12T03:00:00Z'))
      .then(() => order.push('write'));
    // Issued after the write began: with one transaction for the whole job, PGlite's single
    // connection made it wait until the job committed.
    await new Promise((r) => setImmediate(r));
    const read = client.query('SELECT 1').then(() => order.push('read'));
    await Promise.all([write, read]);
    assert.deepEqual(order, ['read', 'write']);
  });
});
