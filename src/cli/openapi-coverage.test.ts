/**
 * Every HTTP server of every process against its OpenAPI document: the API as `faresight
 * up` serves it (reads, POST /v1/sql, the Console and its admin API under /admin/v1, with
 * ingest's POST listed) and the probe server of `lake`, `realtime` and `etl
 * --metrics-port`. Each route served is documented, nothing else is, and every operation
 * shows an example. (Ingest's own document: ingest/ingest-openapi.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createApi } from '../api/api.js';
import { INGEST_PATH, ingestOperations } from '../ingest/ingest-openapi.js';
import { silentLogger } from '../ops/logger.js';
import {
  documentedOperations,
  type OpenApiPaths,
  operationsWithoutExample,
  printedRoutes,
} from '../ops/testing/openapi-coverage.js';
import { PROBE_ROUTES, serveProbes } from './compose/probe-server.js';
import { consoleExtension } from './platform.js';

const notCalled = () => assert.fail('not called: only the routes and the document are checked');

describe('OpenAPI of every process', () => {
  it('the API of `up` documents every route it serves, the Console and /admin/v1 included, each with an example', async () => {
    const api = createApi({
      rowStore: {} as never,
      logger: silentLogger,
      deals: { deals: notCalled },
      demand: { view: notCalled },
      sql: { customers: { byKey: notCalled, grants: notCalled }, openSession: notCalled },
      otherOperations: ingestOperations().filter((o) => o.path === INGEST_PATH),
      extensions: [
        consoleExtension({
          backend: {} as never,
          sampler: {} as never,
          adminKeySha256: '0'.repeat(64),
        }),
      ],
    });
    try {
      await api.ready();
      const doc = (
        await api.inject({ method: 'GET', url: '/openapi.json' })
      ).json() as OpenApiPaths;
      const served = printedRoutes(api.printRoutes({ commonPrefix: false }));
      assert.ok(served.includes('GET /admin/v1/session'), served.join('\n'));
      assert.deepEqual(
        documentedOperations(doc),
        [...served, `POST ${INGEST_PATH}`].sort(),
        'documented = served (+ ingest POST, served on the ingest port)',
      );
      assert.deepEqual(operationsWithoutExample(doc), [], 'operations without an example');
    } finally {
      await api.close();
    }
  });

  it('the probe server of lake, realtime and etl serves exactly its documented routes, each with an example', async () => {
    const probes = await serveProbes(new Registry(), '127.0.0.1', 0);
    try {
      const doc = (await (await fetch(`${probes.url}/openapi.json`)).json()) as OpenApiPaths;
      const table = PROBE_ROUTES.map((r) => `${r.method} ${r.path}`).sort();
      assert.deepEqual(documentedOperations(doc), table);
      assert.deepEqual(operationsWithoutExample(doc), [], 'operations without an example');
      for (const r of PROBE_ROUTES) {
        const res = await fetch(`${probes.url}${r.path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 200, r.path);
      }
      for (const path of ['/readyz', '/docs', '/v1/markets']) {
        const res = await fetch(`${probes.url}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 404, `${path} is not served, so not documented`);
      }
    } finally {
      await probes.close();
    }
  });
});
