/**
 * The API marks each `GET /v1/...` it serves in flight on the process's Foreground (the
 * background work of `up` yields to it) until the response is sent, or the client gave
 * up; other requests (health, metrics, POSTs) are not marked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { searchRecord } from '../model/testing/records.js';
import { Foreground } from '../ops/foreground.js';
import { silentLogger } from '../ops/logger.js';
import { RowStore } from '../serving/row-store.js';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import type { SqlClient } from '../sql/sql-client.js';
import { createApi } from './api.js';

let store: RowStore;
let app: FastifyInstance;
const fg = new Foreground();
/** Foreground requests in flight at each statement the row store received. */
const seen: number[] = [];

before(async () => {
  const client = await PGliteClient.open();
  const watching: SqlClient = {
    backend: client.backend,
    query: (sql, params) => {
      seen.push(fg.requests);
      return client.query(sql, params);
    },
    exec: (sql) => client.exec(sql),
    transaction: (fn) => client.transaction(fn),
    batch: (s) => client.batch(s),
    close: () => client.close(),
  };
  store = new RowStore(watching);
  await store.migrate();
  await store.applyRecords([searchRecord({ id: 'a', offers: [{ carrier: 'BA', amount: 480 }] })]);
  app = createApi({ rowStore: store, logger: silentLogger, foreground: fg });
});
after(async () => {
  await app.close();
  await store.close();
});

describe('API requests in the foreground', () => {
  it('a GET /v1 read is in flight while it reads the row store, and not after', async () => {
    seen.length = 0;
    const r = await app.inject({ method: 'GET', url: '/v1/markets' });
    assert.equal(r.statusCode, 200);
    assert.ok(seen.length > 0, 'the read reached the row store');
    assert.deepEqual(new Set(seen), new Set([1]));
    assert.equal(fg.requests, 0);
  });

  it('a failed read and a health check leave nothing in flight', async () => {
    const bad = await app.inject({ method: 'GET', url: '/v1/markets?limit=nope' });
    assert.equal(bad.statusCode, 400);
    assert.equal(fg.requests, 0);
    seen.length = 0;
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.deepEqual(new Set(seen), new Set([0]), 'health is not foreground');
    assert.equal(fg.requests, 0);
  });
});
