import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { errorResponse } from '../../api/error-response.js';
import { RouteTable } from '../../api/route-spec.js';
import { demandRoutes } from '../../api/routes/demand.js';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import type { SqlClient } from '../../sql/sql-client.js';
import { type DailyCount, forecastDemand } from './demand-forecast-job.js';
import { DemandStore } from './demand-store.js';
import { fitInline } from './fit-series.js';

/** 70 days before 2030-03-12 of weekly-patterned counts for JFK-LAX and JFK-SFO (none on Sundays for SFO). */
function counts(): DailyCount[] {
  const rows: DailyCount[] = [];
  const start = Date.parse('2030-01-01T00:00:00Z');
  for (let i = 0; i < 70; i++) {
    const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    rows.push({ key: 'JFK-LAX', date, count: 100 + 30 * (i % 7) });
    if (i % 7 !== 5) rows.push({ key: 'JFK-SFO', date, count: 20 });
  }
  return rows;
}

describe('demand forecast job', () => {
  let client: SqlClient;
  before(async () => {
    client = await PGliteClient.open();
  });
  after(async () => {
    await client.close();
  });

  it('forecasts 28 days per market and per airport with ordered intervals', async () => {
    const out = await forecastDemand(counts(), { asOf: '2030-03-12' }, fitInline);
    assert.deepEqual(out.map((s) => `${s.scope}:${s.key}`).sort(), [
      'airport:JFK',
      'airport:LAX',
      'airport:SFO',
      'market:JFK-LAX',
      'market:JFK-SFO',
    ]);
    const lax = out.find((s) => s.key === 'JFK-LAX');
    assert.ok(lax);
    assert.equal(lax.forecast.length, 28);
    assert.equal(lax.forecast[0]?.date, '2030-03-12');
    assert.equal(lax.history.length, 70);
    // An exact weekly pattern: the forecast repeats it (day 70 has the pattern of day 0).
    assert.ok(Math.abs((lax.forecast[0]?.mean ?? 0) - 100) < 1, `mean ${lax.forecast[0]?.mean}`);
    for (const f of lax.forecast)
      assert.ok(
        f.lower95 <= f.lower80 &&
          f.lower80 <= f.mean &&
          f.mean <= f.upper80 &&
          f.upper80 <= f.upper95,
      );
    const jfk = out.find((s) => s.key === 'JFK' && s.scope === 'airport');
    assert.equal(jfk?.history[0]?.count, 120);
    // Missing days count 0: SFO's history has zeros, so only additive models qualify.
    const sfo = out.find((s) => s.key === 'JFK-SFO');
    assert.equal(sfo?.history[5]?.count, 0);
    assert.match(sfo?.model ?? '', /^ETS\(A,/);
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
});
