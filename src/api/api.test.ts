import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { configSchema } from '../config/config.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { ALL_SCOPE } from '../serving/cache/cache.js';
import { MemoryCache } from '../serving/cache/memory/memory-cache.js';
import { RowStore } from '../serving/row-store.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { createApi } from './api.js';
import { startApi } from './start-api.js';

let store: RowStore;
let app: FastifyInstance;

before(async () => {
  store = new RowStore(await PGliteClient.open());
  await store.migrate();
  await store.applyRecords([
    searchRecord({
      id: 'a',
      pos: 'US',
      receivedAt: '2030-01-01T10:00:00.000Z',
      offers: [
        { carrier: 'BA', amount: 512.3 },
        { carrier: 'BA', amount: 430, stops: 1 },
        { carrier: 'AA', amount: 455.5 },
        { carrier: 'AA', amount: 390, currency: 'EUR' },
      ],
    }),
    searchRecord({ id: 'b', offers: [{ carrier: 'BA', amount: 480 }] }),
    searchRecord({ id: 'c', destination: 'CDG', offers: [{ carrier: 'AF', amount: 300 }] }),
    searchRecord({
      id: 'd',
      returnDate: '2030-03-10',
      offers: [{ carrier: 'VS', amount: 800, cabin: 'business' }],
    }),
  ]);
  app = createApi({ rowStore: store, logger: silentLogger });
});
after(async () => {
  await app.close();
  await store.close();
});

async function get(url: string) {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.json(), type: r.headers['content-type'] };
}

describe('API', () => {
  it('GET /healthz', async () => {
    assert.deepEqual(await get('/healthz'), {
      status: 200,
      body: { status: 'ok' },
      type: 'application/json; charset=utf-8',
    });
  });

  it('GET /v1/markets lists markets busiest first, honouring limit', async () => {
    const r = await get('/v1/markets');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.markets.map((m: { destination: string; searches: number }) => [
        m.destination,
        m.searches,
      ]),
      [
        ['LHR', 3],
        ['CDG', 1],
      ],
    );
    assert.deepEqual(r.body.markets[0].cheapest, [
      { amount: 390, currency: 'EUR' },
      { amount: 430, currency: 'USD' },
    ]);
    assert.equal(r.body.markets[0].lastSeen, '2030-01-01T10:00:00.000Z');
    // kept fares of JFK-LHR: a's four (pos US), b's (no point of sale), d's round trip
    assert.deepEqual(
      r.body.markets.map((m: { offers: number }) => m.offers),
      [6, 1],
    );
    const one = await get('/v1/markets?limit=1');
    assert.equal(one.body.markets.length, 1);
  });

  it('GET /v1/fares/cheapest answers per carrier, stop count and currency', async () => {
    const r = await get('/v1/fares/cheapest?origin=jfk&destination=LHR&departureDate=2030-03-01');
    assert.equal(r.status, 200);
    assert.equal(r.body.origin, 'JFK');
    assert.equal(r.body.returnDate, null);
    assert.deepEqual(
      r.body.fares.map((f: Record<string, unknown>) => [
        f.carrier,
        f.stops,
        f.amount,
        f.currency,
        f.pos,
      ]),
      [
        ['AA', 0, 390, 'EUR', 'US'],
        ['BA', 1, 430, 'USD', 'US'],
        ['AA', 0, 455.5, 'USD', 'US'],
        ['BA', 0, 480, 'USD', null],
      ],
    );
    assert.deepEqual(Object.keys(r.body.fares[0]).sort(), [
      'amount',
      'cabin',
      'carrier',
      'currency',
      'pos',
      'seenAt',
      'stops',
      'vendor',
    ]);
    const us = await get(
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-03-01&pos=us&cabin=Economy',
    );
    assert.deepEqual(
      us.body.fares.map((f: { amount: number }) => f.amount),
      [390, 430, 455.5, 512.3],
    );
    const rt = await get(
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-03-01&returnDate=2030-03-10',
    );
    assert.deepEqual(
      rt.body.fares.map((f: { carrier: string; cabin: string }) => [f.carrier, f.cabin]),
      [['VS', 'business']],
    );
    const none = await get(
      '/v1/fares/cheapest?origin=JFK&destination=SYD&departureDate=2030-03-01',
    );
    assert.deepEqual([none.status, none.body.fares], [200, []]);
  });

  const bad: [string, string, RegExp][] = [
    [
      '/v1/fares/cheapest?destination=LHR&departureDate=2030-03-01',
      'origin',
      /origin: is required/,
    ],
    ['/v1/fares/cheapest?origin=JFKX&destination=LHR&departureDate=2030-03-01', 'origin', /IATA/],
    ['/v1/fares/cheapest?origin=J1K&destination=LHR&departureDate=2030-03-01', 'origin', /IATA/],
    [
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-02-30',
      'departureDate',
      /calendar date/,
    ],
    [
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=tomorrow',
      'departureDate',
      /calendar date/,
    ],
    [
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-03-05&returnDate=2030-03-01',
      'returnDate',
      /before departureDate/,
    ],
    [
      '/v1/fares/cheapest?origin=JFK&destination=JFK&departureDate=2030-03-01',
      'destination',
      /differ/,
    ],
    [
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-03-01&cabin=coach',
      'cabin',
      /economy/,
    ],
    [
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-03-01&pos=USA',
      'pos',
      /country/,
    ],
    [
      '/v1/fares/cheapest?origin=JFK&origin=EWR&destination=LHR&departureDate=2030-03-01',
      'origin',
      /once/,
    ],
    [
      '/v1/fares/cheapest?origin=JFK&destination=LHR&departure_date=2030-03-01',
      'departureDate',
      /required/,
    ],
    ['/v1/markets?limit=0', 'limit', /at least 1/],
    ['/v1/markets?limit=ten', 'limit', /whole number/],
    ['/v1/markets?limit=100000', 'limit', /at most 1000/],
    ['/v1/markets?size=3', 'size', /unknown parameter/],
  ];
  for (const [url, field, message] of bad) {
    it(`400 for ${url.split('?')[1]}`, async () => {
      const r = await get(url);
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'bad_request');
      assert.equal(r.body.field, field);
      assert.match(r.body.message, message);
      assert.ok(r.body.message.startsWith(`${field}: `), r.body.message);
    });
  }

  it('lists every problem when there are several', async () => {
    const r = await get('/v1/fares/cheapest?origin=1&destination=2');
    assert.equal(r.status, 400);
    assert.deepEqual(
      r.body.issues.map((i: { field: string }) => i.field),
      ['origin', 'destination', 'departureDate'],
    );
  });

  it('404 JSON for unknown routes and methods', async () => {
    const r = await get('/v1/nope?x=1');
    assert.deepEqual(r.body, { error: 'not_found', message: 'no route GET /v1/nope' });
    assert.equal(r.status, 404);
    const post = await app.inject({ method: 'POST', url: '/v1/markets' });
    assert.equal(post.statusCode, 404);
    assert.equal(post.json().error, 'not_found');
  });

  it('500 without details, and 503 on /healthz, when the row store fails', async () => {
    const logged: string[] = [];
    const broken = createApi({
      rowStore: {
        markets: async () => {
          throw new Error('secret connection string leaked');
        },
        cheapest: async () => [],
        calendar: async () => [],
        market: async () => undefined,
        itineraries: async () => [],
        ping: async () => {
          throw new Error('connection refused');
        },
      },
      logger: { ...silentLogger, error: (msg, f) => logged.push(`${msg} ${JSON.stringify(f)}`) },
    });
    const r = await broken.inject({ method: 'GET', url: '/v1/markets' });
    assert.equal(r.statusCode, 500);
    assert.deepEqual(r.json(), { error: 'internal', message: 'internal error' });
    assert.match(logged.join('\n'), /secret connection string leaked/);
    const h = await broken.inject({ method: 'GET', url: '/healthz' });
    assert.equal(h.statusCode, 503);
    assert.equal(h.json().error, 'unavailable');
    await broken.close();
  });

  it('startApi listens and stops', async () => {
    const config = configSchema.parse({ api: { host: '127.0.0.1', port: 0 } });
    const svc = await startApi({ config, rowStore: store, logger: silentLogger });
    try {
      const r = await fetch(`${svc.url}/v1/markets?limit=1`);
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { markets: unknown[] }).markets.length, 1);
    } finally {
      await svc.stop();
    }
    await assert.rejects(fetch(`${svc.url}/healthz`));
  });

  it('startApi with a cache counts its reads by result at /metrics', async () => {
    const config = configSchema.parse({ api: { host: '127.0.0.1', port: 0 } });
    assert.equal(config.cache.staleSeconds, 2);
    const cache = new MemoryCache();
    const svc = await startApi({
      config,
      rowStore: store,
      logger: silentLogger,
      cache,
      metrics: new Registry(),
    });
    try {
      for (let i = 0; i < 3; i++) await fetch(`${svc.url}/v1/markets?limit=1`);
      await cache.bump([ALL_SCOPE]); // a write: the next read is stale, and refreshes
      await fetch(`${svc.url}/v1/markets?limit=1`);
      await svc.cached?.idle();
      await fetch(`${svc.url}/v1/markets?limit=1`);
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const count = (result: string) =>
        Number(
          new RegExp(`^faresight_cache_reads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(
            text,
          )?.[1],
        );
      assert.deepEqual(['hit', 'stale', 'miss', 'error'].map(count), [3, 1, 1, 0]);
      assert.match(text, /^faresight_cache_refresh_failures_total 0$/m);
    } finally {
      await svc.stop();
    }
  });
});
