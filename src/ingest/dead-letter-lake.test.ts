/**
 * A rejected payload of any size ingest read reaches the lake's dead_letters whole: past
 * DuckDB's JSON object limit (16 MB) it is an object of its own the row names.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { configSchema } from '../config/config.js';
import { startLocalLakeWriter } from '../lake/testing/start-local-lake-writer.js';
import { silentLogger } from '../ops/logger.js';
import { DuckDBLakeQuery } from '../query/duckdb/duckdb-lake-query.js';
import { withIngest } from './testing/with-ingest.js';

describe('dead letters in the lake', () => {
  it('keeps a 17 MB rejected payload whole, referenced from its dead_letters row', {
    timeout: 180_000,
  }, async () => {
    await withIngest({}, async ({ app, dir, stream, deadLetters, statsStream, payloads }) => {
      // valid JSON, nothing usable in it: 17 MB of one string
      const big = Buffer.from(JSON.stringify([{ note: 'x'.repeat(17 * 1024 * 1024) }]));
      const res = await app.inject({
        method: 'POST',
        url: '/v1/ingest/generic',
        payload: gzipSync(big),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      assert.equal(res.statusCode, 400, res.body);
      const small = await app.inject({
        method: 'POST',
        url: '/v1/ingest/generic',
        payload: '{"cut short":',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(small.statusCode, 400);
      const writer = await startLocalLakeWriter({
        stream,
        sideStreams: { deadLetters, stats: statsStream },
        config: configSchema.parse({
          dataDir: dir,
          lake: { rotateSeconds: 1, batch: { count: 100, periodMs: 50 } },
        }),
        logger: silentLogger,
      });
      const deadline = Date.now() + 60_000;
      while (writer.stats().records < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      await writer.stop();
      const q = await DuckDBLakeQuery.open({ dataDir: dir });
      try {
        const rows = await q.all(
          'select payload, payload_encoding, payload_object, payload_bytes, payload_sha256 from dead_letters order by payload_bytes',
        );
        assert.equal(rows.length, 2, 'both rejected payloads are in dead_letters');
        assert.deepEqual(rows[0], {
          payload: '{"cut short":',
          payload_encoding: 'utf8',
          payload_object: null,
          payload_bytes: 13,
          payload_sha256: createHash('sha256').update('{"cut short":').digest('hex'),
        });
        const large = rows[1]!;
        assert.equal(large.payload_encoding, 'object');
        assert.equal(large.payload_bytes, big.length);
        const kept = await payloads.get(String(large.payload_object));
        assert.ok(kept, `the object ${large.payload_object} is in the lake`);
        assert.equal(createHash('sha256').update(kept).digest('hex'), large.payload_sha256);
        assert.ok(Buffer.from(kept).equals(big), 'the payload is whole');
      } finally {
        await q.close();
      }
    });
  });
});
