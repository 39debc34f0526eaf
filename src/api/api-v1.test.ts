import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import { hashToken } from '../ingest/vendor-auth.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import {
  documentedOperations,
  operationsWithoutExample,
  printedRoutes,
} from '../ops/testing/openapi-coverage.js';
import { RowStore } from '../serving/row-store.js';
import { NETWORK } from '../serving/testing/graph-suite.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { buildApi, createApi } from './api.js';
import { createLambdaHandler } from './lambda/lambda-handler.js';
import type { RouteSpec } from './route-spec.js';

let store: RowStore;
let app: FastifyInstance;
let specs: readonly RouteSpec[];
const today = () => '2030-04-01';

before(async () => {
  store = new RowStore(await PGliteClient.open());
  await store.migrate();
  await store.applyRecords([
    ...NETWORK,
    searchRecord({
      id: 'c1',
      departureDate: '2030-06-01',
      offers: [{ carrier: 'BA', amount: 300 }],
    }),
    searchRecord({
      id: 'c2',
      departureDate: '2030-06-02',
      offers: [{ carrier: 'AA', amount: 280 }],
    }),
  ]);
  const built = buildApi({
    rowStore: store,
    logger: silentLogger,
    today,
    // The stores' own tests cover their reads; here they only need to answer.
    deals: { deals: async () => [] },
    demand: { view: async (kind, key) => ({ kind, key }) as never },
    airports: [
      { code: 'LHR', city: 'London', country: 'GB', lat: 51.47, lon: -0.4543 },
      { code: 'JFK', city: 'New York', country: 'US', lat: 40.6413, lon: -73.7781 },
    ],
  });
  app = built.app;
  specs = built.specs;
});
after(async () => {
  await app.close();
  await store.close();
});

/** Asserts that `example` has the keys of `real`, recursively (arrays by their first item). */
function sameShape(example: unknown, real: unknown, at: string): void {
  if (Array.isArray(example) && Array.isArray(real)) {
    assert.ok(example.length > 0, `${at}: the example shows an item`);
    if (real.length > 0) sameShape(example[0], real[0], `${at}[0]`);
  } else if (example && real && typeof example === 'object' && typeof real === 'object') {
    assert.deepEqual(Object.keys(example).sort(), Object.keys(real).sort(), at);
    for (const k of Object.keys(real))
      sameShape(
        (example as Record<string, unknown>)[k],
        (real as Record<string, unknown>)[k],
        `${at}.${k}`,
      );
  }
}

async function get(url: string, headers: Record<string, string> = {}, on = app) {
  const r = await on.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, body: r.body ? r.json() : undefined, headers: r.headers };
}

describe('API v1 reads', () => {
  it('GET /v1/fares/calendar: one-way by default, 400 for a stay and a returnDate together', async () => {
    const r = await get(
      '/v1/fares/calendar?origin=JFK&destination=LHR&from=2030-06-01&to=2030-06-30',
    );
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.days.map((d: { departureDate: string; amount: number }) => [
        d.departureDate,
        d.amount,
      ]),
      [
        ['2030-06-01', 300],
        ['2030-06-02', 280],
      ],
    );
    const bad = await get(
      '/v1/fares/calendar?origin=JFK&destination=LHR&from=2030-06-01&to=2030-06-30&stay=7&returnDate=2030-07-09',
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, 'stay');
    const long = await get(
      '/v1/fares/calendar?origin=JFK&destination=LHR&from=2030-01-01&to=2031-06-30',
    );
    assert.equal(long.body.field, 'to');
  });

  it('GET /v1/markets/{origin}-{destination}: detail, 404 when unknown, 400 when malformed', async () => {
    const r = await get('/v1/markets/jfk-LHR');
    assert.equal(r.status, 200);
    assert.equal(r.body.origin, 'JFK');
    assert.equal(r.body.searches, 3);
    assert.deepEqual(
      r.body.days.map((d: { departureDate: string; min: number }) => [d.departureDate, d.min]),
      [
        ['2030-05-01', 600],
        ['2030-06-01', 300],
        ['2030-06-02', 280],
      ],
    );
    const none = await get('/v1/markets/JFK-SYD');
    assert.deepEqual([none.status, none.body.error], [404, 'not_found']);
    const bad = await get('/v1/markets/JFK-SYDX');
    assert.deepEqual([bad.status, bad.body.field], [400, 'destination']);
  });

  it('GET /v1/graph/routes and /v1/graph/explore', async () => {
    const r = await get('/v1/graph/routes?origin=JFK&destination=LHR&maxStops=2&date=2030-05-01');
    assert.equal(r.status, 200);
    const best = r.body.itineraries[0];
    assert.equal(best.totalAmount, 155);
    assert.equal(best.beatsThroughFare, true);
    assert.equal(best.throughFare, 600);
    const e = await get('/v1/graph/explore?origin=JFK&budget=160&date=2030-05-01');
    assert.deepEqual(
      e.body.destinations.map((d: { destination: string; totalAmount: number }) => [
        d.destination,
        d.totalAmount,
      ]),
      [
        ['KEF', 100],
        ['DUB', 130],
      ],
    );
    const bad = await get('/v1/graph/routes?origin=JFK&destination=LHR&maxStops=4');
    assert.deepEqual([bad.status, bad.body.field], [400, 'maxStops']);
    const noBudget = await get('/v1/graph/explore?origin=JFK&budget=-3');
    assert.deepEqual([noBudget.status, noBudget.body.field], [400, 'budget']);
  });

  it('GET /v1/airports: the reference airports with coordinates, sorted by code', async () => {
    const r = await get('/v1/airports');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.airports.map((a: { code: string; lat: number }) => [a.code, a.lat]),
      [
        ['JFK', 40.6413],
        ['LHR', 51.47],
      ],
    );
    // a route that takes no parameters refuses them, as the others refuse unknown ones,
    // instead of answering the whole list to ?limit=3
    const limited = await get('/v1/airports?limit=3');
    assert.deepEqual(
      [limited.status, limited.body.field, limited.body.message],
      [400, 'limit', 'limit: unknown parameter'],
    );
    const demand = await get('/v1/airports/JFK/demand?days=7');
    assert.deepEqual([demand.status, demand.body.field], [400, 'days']);
  });

  it('ETag and Cache-Control on reads; 304 on If-None-Match', async () => {
    const url = '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-06-01';
    const r = await get(url);
    assert.equal(r.status, 200);
    const etag = r.headers.etag as string;
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    assert.equal(r.headers['cache-control'], 'public, max-age=5');
    const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const other = await get(url, { 'if-none-match': '"nope"' });
    assert.equal(other.status, 200);
    const miss = await get('/v1/markets/JFK-SYD');
    assert.equal(miss.headers.etag, undefined);
  });
});

describe('API keys', () => {
  const secret = 'k-acme-secret';
  let keyed: FastifyInstance;
  let clock = 0;
  before(() => {
    keyed = createApi({
      rowStore: store,
      logger: silentLogger,
      today,
      keys: {
        acme: { keySha256: hashToken(secret), ratePerSecond: 2 },
        fares: { keySha256: hashToken('fares-only'), allow: ['/v1/fares'] },
      },
      now: () => clock,
    });
  });
  after(() => keyed.close());

  it('deals and demand are behind the keys like every /v1 read', async () => {
    const api = createApi({
      rowStore: store,
      logger: silentLogger,
      keys: { acme: { keySha256: hashToken(secret) } },
      deals: { deals: async () => [] },
      demand: { view: async (kind, key) => ({ kind, key }) as never },
    });
    try {
      for (const url of ['/v1/deals', '/v1/markets/JFK-LAX/demand', '/v1/airports/JFK/demand']) {
        assert.equal((await get(url, {}, api)).status, 401, url);
        assert.equal((await get(url, { authorization: `Bearer ${secret}` }, api)).status, 200, url);
      }
    } finally {
      await api.close();
    }
  });

  it('401 without or with an unknown key; health, docs and spec stay open', async () => {
    const none = await get('/v1/markets', {}, keyed);
    assert.deepEqual([none.status, none.body.error], [401, 'unauthorized']);
    assert.match(none.body.message, /missing API key/);
    const wrong = await get('/v1/markets', { authorization: 'Bearer nope' }, keyed);
    assert.deepEqual([wrong.status, wrong.body.message], [401, 'unknown API key']);
    for (const open of ['/healthz', '/openapi.json', '/docs'])
      assert.equal((await keyed.inject({ method: 'GET', url: open })).statusCode, 200, open);
  });

  it('accepts Bearer and X-Api-Key, 429 with Retry-After over the rate, private caching', async () => {
    const ok = await get('/v1/markets', { authorization: `Bearer ${secret}` }, keyed);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['cache-control'], 'private, max-age=5');
    assert.equal((await get('/v1/markets', { 'x-api-key': secret }, keyed)).status, 200);
    const over = await get('/v1/markets', { 'x-api-key': secret }, keyed);
    assert.deepEqual([over.status, over.body.error], [429, 'too_many_requests']);
    assert.equal(over.headers['retry-after'], '1');
    clock += 1000;
    assert.equal((await get('/v1/markets', { 'x-api-key': secret }, keyed)).status, 200);
  });

  it('403 when the key may not use the route', async () => {
    const h = { authorization: 'Bearer fares-only' };
    const r = await get('/v1/markets', h, keyed);
    assert.deepEqual([r.status, r.body.error], [403, 'forbidden']);
    const f = await get(
      '/v1/fares/calendar?origin=JFK&destination=LHR&from=2030-06-01&to=2030-06-02',
      h,
      keyed,
    );
    assert.equal(f.status, 200);
  });
});

describe('OpenAPI document and docs page', () => {
  it('documents every route the API process serves, POST /v1/sql with an example', async () => {
    const api = createApi({
      rowStore: store,
      logger: silentLogger,
      deals: { deals: async () => [] },
      demand: { view: async (kind, key) => ({ kind, key }) as never },
      // registered, never called here: the document is what is checked
      sql: {
        customers: { byKey: async () => undefined, grants: async () => [] },
        openSession: async () => assert.fail('no session in this test'),
      },
    });
    try {
      await api.ready();
      const doc = (await get('/openapi.json', {}, api)).body;
      assert.deepEqual(
        documentedOperations(doc),
        printedRoutes(api.printRoutes({ commonPrefix: false })),
      );
      assert.deepEqual(operationsWithoutExample(doc), [], 'operations without an example');
      const sql = doc.paths['/v1/sql'].post;
      const body = sql.requestBody.content['application/json'];
      assert.ok(body.example.sql, 'an example statement');
      assert.ok(sql.responses['200'].content['application/json'].example.rows);
    } finally {
      await api.close();
    }
  });

  it('lists every /v1 route with the parameters its schema validates', async () => {
    const doc = (await get('/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    const v1 = app
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .filter((l) => l.includes('v1'));
    assert.ok(v1.length > 0);
    const documented = Object.keys(doc.paths)
      .filter((p) => p.startsWith('/v1/'))
      .sort();
    assert.deepEqual(documented, [
      '/v1/airports',
      '/v1/airports/{code}/demand',
      '/v1/deals',
      '/v1/fares/calendar',
      '/v1/fares/cheapest',
      '/v1/graph/explore',
      '/v1/graph/routes',
      '/v1/markets',
      '/v1/markets/{origin}-{destination}',
      '/v1/markets/{origin}-{destination}/demand',
    ]);
    assert.deepEqual(documented, specs.map((s) => s.path).sort());
    for (const s of specs) {
      const op = doc.paths[s.path].get;
      assert.equal(op.operationId, s.operationId);
      const expected = [
        ...Object.keys((s.params as z.ZodObject | undefined)?.shape ?? {}).map((n) => `path:${n}`),
        ...Object.keys((s.query as z.ZodObject | undefined)?.shape ?? {}).map((n) => `query:${n}`),
      ].sort();
      assert.deepEqual(
        op.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort(),
        expected,
        s.path,
      );
      for (const p of op.parameters) {
        assert.equal(typeof p.schema, 'object', `${s.path} ${p.name}`);
        assert.ok(op.responses['200'] && op.responses['400']);
      }
      for (const p of op.parameters.filter((x: { in: string }) => x.in === 'path'))
        assert.ok(s.path.includes(`{${p.name}}`), `${s.path} has {${p.name}}`);
    }
    const cheapest = doc.paths['/v1/fares/cheapest'].get.parameters;
    const req = cheapest
      .filter((p: { required: boolean }) => p.required)
      .map((p: { name: string }) => p.name)
      .sort();
    assert.deepEqual(req, ['departureDate', 'destination', 'origin']);
    const cabin = cheapest.find((p: { name: string }) => p.name === 'cabin');
    assert.ok(JSON.stringify(cabin.schema).length > 2);
    // Every documented operation answers (not 404) on its real route.
    for (const path of documented) {
      const url = path
        .replace('{origin}', 'JFK')
        .replace('{destination}', 'LHR')
        .replace('{code}', 'JFK');
      assert.notEqual((await get(url)).status, 404, url);
    }
  });

  it("shows for each /v1 read an example shaped as the route's real answer", async () => {
    const doc = (await get('/openapi.json')).body;
    const urls: Record<string, string> = {
      listMarkets: '/v1/markets',
      getMarket: '/v1/markets/JFK-LHR',
      cheapestFares: '/v1/fares/cheapest?origin=JFK&destination=LHR&departureDate=2030-06-01',
      fareCalendar: '/v1/fares/calendar?origin=JFK&destination=LHR&from=2030-06-01&to=2030-06-30',
      graphRoutes: '/v1/graph/routes?origin=JFK&destination=LHR&maxStops=2&date=2030-05-01',
      graphExplore: '/v1/graph/explore?origin=JFK&budget=3000&currency=USD&date=2030-05-01',
    };
    for (const s of specs) {
      const shown = doc.paths[s.path].get.responses['200'].content['application/json'].example;
      assert.deepEqual(shown, s.example, s.operationId);
      const url = urls[s.operationId];
      if (!url) continue; // deals and demand: their stores are stubs here (their tests read them)
      const real = await get(url);
      assert.equal(real.status, 200, url);
      sameShape(s.example, real.body, s.operationId);
    }
  });

  it("answers every /v1 read sent with the document's own parameter examples ('Try it out' as filled)", async () => {
    // /docs fills each parameter from its example: origin and destination were both JFK,
    // and the first Execute a reader pressed answered 400 "must differ from origin"
    const doc = (await get('/openapi.json')).body as {
      paths: Record<
        string,
        {
          get?: {
            parameters?: {
              name: string;
              in: string;
              required: boolean;
              schema: { example?: unknown; examples?: unknown[] };
            }[];
          };
        }
      >;
    };
    let sent = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      const params = item.get?.parameters;
      if (!path.startsWith('/v1/') || !params) continue;
      let url = path;
      const query = new URLSearchParams();
      for (const p of params) {
        const example = p.schema.example ?? p.schema.examples?.[0];
        if (p.required) assert.notEqual(example, undefined, `${path} ${p.name}: an example`);
        if (example === undefined) continue;
        if (p.in === 'path') url = url.replace(`{${p.name}}`, String(example));
        else query.set(p.name, String(example));
      }
      const q = query.toString();
      const res = await app.inject({ method: 'GET', url: q ? `${url}?${q}` : url });
      assert.notEqual(res.statusCode, 400, `${url}?${q}: ${res.body}`);
      sent++;
    }
    assert.ok(sent >= 6, `${sent} reads with parameters`);
  });

  it('shows an example body for each error answer', async () => {
    const doc = (await get('/openapi.json')).body;
    const cheapest = doc.paths['/v1/fares/cheapest'].get.responses;
    for (const status of ['400', '401', '403', '429'])
      assert.match(
        JSON.stringify(cheapest[status].content['application/json'].example),
        /"error":"[a-z_]+","message":"[^"]+"/,
        status,
      );
  });

  it('serves a self-contained docs page: every file it loads is relative and served here', async () => {
    const r = await app.inject({ method: 'GET', url: '/docs' });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    const links = [...r.body.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((m) => m[1] as string)
      .filter((u) => !u.startsWith('data:'));
    assert.deepEqual(links.sort(), [
      'docs/docs.js',
      'docs/swagger-ui-bundle.js',
      'docs/swagger-ui.css',
    ]);
    for (const link of links) {
      const f = await app.inject({ method: 'GET', url: new URL(link, 'http://h/docs').pathname });
      assert.equal(f.statusCode, 200, link);
      assert.ok(f.body.length > 0, link);
    }
    // the start-up script reads openapi.json relative to the page, with no online validator
    const init = await app.inject({ method: 'GET', url: '/docs/docs.js' });
    assert.match(init.body, /new URL\('openapi\.json', document\.baseURI\)/);
    assert.match(init.body, /validatorUrl: null/);
    const missing = await app.inject({ method: 'GET', url: '/docs/index.html' });
    assert.equal(missing.statusCode, 404);
  });

  it('sends /docs/ (trailing slash) to the docs page, whose openapi.json link then resolves', async () => {
    const r = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(r.statusCode, 301, r.body);
    const to = new URL(r.headers.location as string, 'http://h/docs/');
    assert.equal(to.pathname, '/docs');
    assert.equal(new URL('openapi.json', to).pathname, '/openapi.json');
  });

  it('serves /metrics from the registry passed in', async () => {
    const registry = new Registry();
    new (await import('prom-client')).Counter({
      name: 'x_total',
      help: 'x',
      registers: [registry],
    }).inc(3);
    const m = createApi({ rowStore: store, logger: silentLogger, metrics: registry });
    const r = await m.inject({ method: 'GET', url: '/metrics' });
    assert.match(r.body, /x_total 3/);
    await m.close();
  });

  it('counts and times each request by route pattern and status, with process metrics', async () => {
    const m = createApi({ rowStore: store, logger: silentLogger });
    for (let i = 0; i < 3; i++) await m.inject({ method: 'GET', url: '/v1/markets' });
    await m.inject({ method: 'GET', url: '/v1/fares/cheapest?origin=JFK' });
    await m.inject({ method: 'GET', url: '/random/scan/1' });
    await m.inject({ method: 'GET', url: '/random/scan/2' });
    const r = await m.inject({ method: 'GET', url: '/metrics' });
    await m.close();
    const line = (re: RegExp) => r.body.split('\n').find((l) => re.test(l));
    assert.match(
      line(/^faresight_http_requests_total\{.*route="\/v1\/markets"/) ?? '',
      /service="api",method="GET",route="\/v1\/markets",status="200"\} 3$/,
    );
    assert.match(
      line(/^faresight_http_requests_total\{.*route="\/v1\/fares\/cheapest"/) ?? '',
      /status="400"\} 1$/,
    );
    assert.match(
      line(/^faresight_http_requests_total\{.*route="unmatched"/) ?? '',
      /status="404"\} 2$/,
    );
    assert.doesNotMatch(r.body, /random\/scan/);
    assert.match(
      r.body,
      /faresight_http_request_duration_seconds_count\{service="api",method="GET",route="\/v1\/markets",status="200"\} 3/,
    );
    for (const m of [
      'faresight_process_cpu_seconds_total',
      'faresight_nodejs_eventloop_lag_seconds',
      'faresight_process_resident_memory_bytes',
    ])
      assert.match(r.body, new RegExp(`^${m} `, 'm'), m);
  });
});

describe('Lambda handler', () => {
  const handler = () => createLambdaHandler(async () => app);

  it('serves a REST API (v1) proxy event, multi-value query included', async () => {
    const r = await handler()({
      httpMethod: 'GET',
      path: '/v1/fares/cheapest',
      headers: { Accept: 'application/json' },
      multiValueHeaders: { Accept: ['application/json'] },
      queryStringParameters: { origin: 'JFK', destination: 'LHR', departureDate: '2030-06-01' },
      multiValueQueryStringParameters: {
        origin: ['JFK'],
        destination: ['LHR'],
        departureDate: ['2030-06-01'],
      },
      body: null,
      isBase64Encoded: false,
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.isBase64Encoded, false);
    assert.equal(JSON.parse(r.body).fares[0].amount, 300);
    assert.ok(r.headers.etag);
    assert.deepEqual(r.multiValueHeaders?.etag, [r.headers.etag]);
    const twice = await handler()({
      httpMethod: 'GET',
      path: '/v1/markets',
      multiValueQueryStringParameters: { limit: ['1', '2'] },
    });
    assert.equal(twice.statusCode, 400);
    assert.equal(JSON.parse(twice.body).field, 'limit');
  });

  it('serves an HTTP API (v2) event with headers, and 404s JSON', async () => {
    const h = handler();
    const first = await h({
      version: '2.0',
      rawPath: '/v1/markets/JFK-LHR',
      rawQueryString: '',
      headers: { accept: 'application/json' },
      requestContext: { http: { method: 'GET' } },
    });
    assert.equal(first.statusCode, 200);
    assert.equal(JSON.parse(first.body).origin, 'JFK');
    assert.equal(first.multiValueHeaders, undefined);
    const cached = await h({
      version: '2.0',
      rawPath: '/v1/markets/JFK-LHR',
      headers: { 'if-none-match': first.headers.etag! },
      requestContext: { http: { method: 'GET' } },
    });
    assert.equal(cached.statusCode, 304);
    const missing = await h({
      version: '2.0',
      rawPath: '/v2/nothing',
      rawQueryString: 'a=1',
      requestContext: { http: { method: 'GET' } },
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(JSON.parse(missing.body).error, 'not_found');
  });
});
