/**
 * The ingest process's OpenAPI document against the routes its app really registers, and
 * its examples against the app itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { silentLogger } from '../ops/logger.js';
import { operationsWithoutExample } from '../ops/testing/openapi-coverage.js';
import { EmbeddedStream } from '../stream/embedded/embedded-stream.js';
import { createAdapters } from '../vendors/adapters.js';
import { createIngestApp } from './ingest-server.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-openapi-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function withApp(fn: (app: ReturnType<typeof createIngestApp>) => Promise<void>) {
  const streams = ['shop', 'dl', 'stats'].map(
    (name) =>
      new EmbeddedStream({
        dir,
        name,
        shards: 2,
        retentionMs: 86_400_000,
        dedupeWindowMs: 120_000,
        trimIntervalMs: 0,
      }),
  );
  for (const s of streams) await s.connect();
  const ingest = createIngestApp({
    config: configSchema.parse({}),
    stream: streams[0]!,
    deadLetters: streams[1]!,
    statsStream: streams[2]!,
    adapters: createAdapters(),
    logger: silentLogger,
  });
  try {
    await fn(ingest);
  } finally {
    await ingest.app.close();
    for (const s of streams) await s.close();
  }
}

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> };

describe('ingest OpenAPI document', () => {
  it('documents every route the ingest app serves, and nothing else', async () => {
    await withApp(async ({ app, routes }) => {
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
    await withApp(async ({ app }) => {
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
