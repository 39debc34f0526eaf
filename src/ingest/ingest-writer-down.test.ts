/**
 * The ingest service on an embedded stream whose writer thread cannot restart: every
 * post answers 503 with Retry-After (the stream's StreamUnavailableError), so the vendor
 * retries and nothing acknowledged is lost. Moved from stream/embedded/embedded-respawn.test
 * so that stream/ imports neither config/ nor ingest/ (issue 17).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { openRespawnStream, writerOf } from '../stream/embedded/testing/test-streams.js';
import { createAdapters } from '../vendors/adapters.js';
import { createIngestApp } from './ingest-server.js';

const root = mkdtempSync(join(tmpdir(), 'fs-ingest-down-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('ingest: the stream writer is down', () => {
  it('the ingest service answers 503 with Retry-After while the writer cannot restart', async () => {
    const dir = join(root, 's');
    const s = await openRespawnStream(dir);
    const { app } = createIngestApp({
      config: configSchema.parse({ ingest: {} }),
      stream: s,
      adapters: createAdapters(),
      logger: silentLogger,
    });
    const post = (i: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/ingest/generic',
        payload: JSON.stringify([sampleRecord(i)]),
        headers: { 'content-type': 'application/json' },
      });
    try {
      assert.equal((await post(1)).statusCode, 202);
      // the database's directory is gone: every new thread fails to open it
      rmSync(dir, { recursive: true, force: true });
      writerOf(s).crashForTesting('exit');
      for (const i of [2, 3]) {
        const res = await post(i);
        assert.equal(res.statusCode, 503, res.body);
        assert.equal(res.headers['retry-after'], '5');
        assert.equal(res.json().error, 'stream_unavailable');
      }
    } finally {
      await app.close();
      await s.close();
    }
  });
});
