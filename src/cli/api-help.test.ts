import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createApi } from '../api/api.js';
import { INGEST_PATH, ingestOperations } from '../ingest/ingest-openapi.js';
import { silentLogger } from '../ops/logger.js';

const regexpOf = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');

describe('faresight help api', () => {
  it('lists every route of the OpenAPI document, with its method and summary', async () => {
    const api = createApi({
      rowStore: {} as never,
      logger: silentLogger,
      deals: { deals: async () => [] },
      demand: { view: async () => ({}) as never },
      sql: {
        customers: { byKey: async () => undefined, grants: async () => [] },
        openSession: async () => assert.fail('not called'),
      },
      airports: [],
      otherOperations: ingestOperations().filter((o) => o.path === INGEST_PATH),
    });
    try {
      const doc = (await api.inject({ method: 'GET', url: '/openapi.json' })).json();
      const help = execFileSync(process.execPath, [bin, 'help', 'api'], { encoding: 'utf8' });
      for (const [path, ops] of Object.entries(doc.paths as Record<string, object>))
        for (const method of Object.keys(ops)) {
          const summary = (ops as Record<string, { summary: string }>)[method]!.summary;
          const line = new RegExp(
            `^\\s+${method.toUpperCase()}\\s+${regexpOf(path)}\\s.*${regexpOf(summary)}`,
            'm',
          );
          assert.match(
            help,
            line,
            `${method.toUpperCase()} ${path} with its summary "${summary}" missing from faresight help api`,
          );
        }
    } finally {
      await api.close();
    }
  });
});
