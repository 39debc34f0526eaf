/**
 * The ingest process's OpenAPI document against the routes its app really registers, and
 * its examples against the app itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operationsWithoutExample } from '../ops/testing/openapi-coverage.js';
import { createAdapters } from '../vendors/adapters.js';
import { withIngest } from './testing/with-ingest.js';

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> };

describe('ingest OpenAPI document', () => {
  it('documents every route the ingest app serves, and nothing else', async () => {
    await withIngest({}, async ({ app, routes }) => {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
      const served = routes
        .filter((r) => r.method !== 'HEAD')
        .map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
        .sort();
      const documented = Object.entries(doc.paths)
        .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
        .sort();
      assert.deepEqual(documented, served);
      assert.deepEqual(operationsWithoutExample(doc), [], 'operations without an example');
      assert.ok(served.includes('post /v1/ingest/{vendor}'), served.join(', '));
    });
  });

  it('the ingest example is accepted as documented, and each vendor of the enum has a route', async () => {
    await withIngest({}, async ({ app }) => {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
      const op = doc.paths['/v1/ingest/{vendor}']!.post as {
        requestBody: { content: Record<string, { example?: unknown }> };
        parameters: { name: string; schema: { enum?: string[] } }[];
        responses: Record<string, { content: Record<string, { example: unknown }> }>;
      };
      const res = await app.inject({
        method: 'POST',
        url: '/v1/ingest/generic',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(op.requestBody.content['application/json']!.example),
      });
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(res.json(), op.responses['202']!.content['application/json']!.example);
      const vendors = op.parameters.find((p) => p.name === 'vendor')!.schema.enum!;
      assert.deepEqual([...vendors].sort(), Object.keys(createAdapters()).sort());
    });
  });
});
