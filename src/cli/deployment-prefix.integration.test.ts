/**
 * Two deployments on one NATS: with different `stream.deploymentPrefix` values, none of
 * their streams (shopping, dead-letters, ingest-stats, deals) or checkpoint buckets meet.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { configSchema } from '../config/config.js';
import { DEAD_LETTER_STREAM } from '../model/dead-letter.js';
import { STATS_STREAM } from '../model/ingest-stats-row.js';
import { silentLogger } from '../ops/logger.js';
import { JetStreamStream } from '../stream/jetstream/jetstream-stream.js';
import type { Stream } from '../stream/stream.js';
import { makeRecords, readRecords } from '../stream/testing/stream-fixtures.js';
import { openStream } from './compose/stream.js';

const servers = '127.0.0.1:4222';

function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port: 4222 });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const configOf = (deploymentPrefix: string) =>
  configSchema.parse({
    stream: { backend: 'jetstream', servers, shards: 1, deploymentPrefix },
  });

if ((await reachable()) || process.env.CI === 'true') {
  describe('deployment prefix on a shared JetStream', () => {
    it('keeps the streams of two deployments apart', { timeout: 120_000 }, async () => {
      const run = randomBytes(3).toString('hex');
      const a = configOf(`a${run}-`);
      const b = configOf(`b${run}-`);
      for (const name of [a.stream.name, DEAD_LETTER_STREAM, STATS_STREAM, 'deals']) {
        const sa: Stream = await openStream(a, silentLogger, name);
        const sb: Stream = await openStream(b, silentLogger, name);
        try {
          assert.notEqual(sa.name, sb.name, `${name}: one stream for both deployments`);
          await sa.append(makeRecords(3, { prefix: `${name}-a` }));
          await sb.append(makeRecords(2, { prefix: `${name}-b` }));
          const read = async (s: Stream, n: number) => {
            const c = await s.consumer('t', { count: 100, bytes: 1 << 20, periodMs: 50 });
            try {
              return (await readRecords(c, n)).records.map((r) => r.id);
            } finally {
              await c.close();
            }
          };
          assert.deepEqual(
            await read(sa, 3),
            [0, 1, 2].map((i) => `${name}-a${i}`),
          );
          assert.deepEqual(
            await read(sb, 2),
            [0, 1].map((i) => `${name}-b${i}`),
          );
        } finally {
          for (const s of [sa, sb]) {
            await s.close();
            await JetStreamStream.destroy(servers, s.name);
          }
        }
      }
    });

    it("keeps today's names when no prefix is set", () => {
      assert.equal(configSchema.parse({}).stream.deploymentPrefix, '');
    });
  });
} else {
  it.skip(`deployment prefix (skipped: no NATS server on ${servers}; set CI=true to fail instead)`, () => {});
}
