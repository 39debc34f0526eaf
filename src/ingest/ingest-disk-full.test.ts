/**
 * Issue 15, "a full disk crashes everything": with the data directory on a small tmpfs
 * that fills up, ingest answers 503 with Retry-After, the statistics flush neither crashes
 * the process nor loses rows, and everything resumes once the disk has room again.
 * Needs root for the tmpfs mount; skips with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { configSchema } from '../config/config.js';
import { decodeRecord } from '../model/codec.js';
import type { IngestStatsRow } from '../model/ingest-stats-row.js';
import { sampleRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { mountSmallDisk, type SmallDisk } from '../ops/testing/small-disk.js';
import type { Stream, StreamRecord } from '../stream/stream.js';
import { createAdapters } from '../vendors/adapters.js';
import { startIngest } from './ingest-server.js';
import { openIngestStream } from './testing/ingest-stream.js';

const disk = mountSmallDisk(16);
const skip = typeof disk === 'string' ? disk : false;
if (skip) console.log(`# skipped: ${skip}`);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
before(() => process.on('unhandledRejection', onUnhandled));
after(() => {
  process.off('unhandledRejection', onUnhandled);
  if (typeof disk !== 'string') disk.unmount();
});

const open = (d: SmallDisk, name: string) => openIngestStream(d.dir, name);

async function readAll(s: Stream, group: string): Promise<StreamRecord[]> {
  const c = await s.consumer(group, { count: 100_000, bytes: 1 << 30, periodMs: 10 });
  try {
    return [...(await c.read()).records];
  } finally {
    await c.close();
  }
}

/** Sleeps past the next whole second, so the next request falls in a new 1 s stats period. */
const nextPeriod = () => delay(1100 - (Date.now() % 1000));

describe('ingest on a full disk', { skip }, () => {
  it('answers 503 with Retry-After, never crashes, keeps every statistics row and recovers', async () => {
    const d = disk as SmallDisk;
    const stream = await open(d, 'shopping');
    const deadLetters = await open(d, 'dead-letters');
    const statsStream = await open(d, 'ingest-stats');
    const ingest = await startIngest({
      config: configSchema.parse({
        ingest: { host: '127.0.0.1', port: 0, statsIntervalSeconds: 1 },
      }),
      stream,
      deadLetters,
      statsStream,
      adapters: createAdapters(),
      logger: silentLogger,
    });
    let n = 0;
    const acked: string[] = [];
    const post = async () => {
      const rec = { ...sampleRecord(n), id: `disk-${n++}` };
      const res = await fetch(`${ingest.url}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rec),
      });
      if (res.status === 202) acked.push(rec.id);
      return res;
    };
    try {
      assert.equal((await post()).status, 202);
      d.fill();
      // Several periods with a full disk: each end of period writes statistics rows.
      for (let i = 0; i < 3; i++) {
        await nextPeriod();
        const res = await post();
        assert.equal(res.status, 503, 'a full disk is answered 503');
        assert.ok(Number(res.headers.get('retry-after')) > 0, 'with Retry-After');
        assert.equal(((await res.json()) as { error: string }).error, 'stream_unavailable');
      }
      await nextPeriod();
      assert.deepEqual(unhandled, [], 'no unhandled rejection while the disk is full');
      d.free();
      let res = await post();
      for (let i = 0; res.status !== 202 && i < 50; i++) {
        await delay(200);
        res = await post();
      }
      assert.equal(res.status, 202, 'ingest accepts again once the disk has room');
      await nextPeriod();
      await post();
      // Every request of every period ends up in the stats stream, once (bounded wait).
      let rows: IngestStatsRow[] = [];
      for (let i = 0; i < 100; i++) {
        rows = (await readAll(statsStream, `check-${i}`)).map(
          (r) => JSON.parse(Buffer.from(r.data).toString()) as IngestStatsRow,
        );
        if (rows.reduce((s, r) => s + r.requests, 0) >= n - 1) break;
        await delay(200);
      }
      await ingest.stop();
      rows = (await readAll(statsStream, 'final')).map(
        (r) => JSON.parse(Buffer.from(r.data).toString()) as IngestStatsRow,
      );
      assert.equal(
        rows.reduce((s, r) => s + r.requests, 0),
        n,
        'every request is counted in ingest_stats',
      );
      assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'no row twice');
      const stored = (await readAll(stream, 'check-shopping')).map((r) => decodeRecord(r.data).id);
      assert.deepEqual(stored.sort(), [...acked].sort(), 'every acknowledged record is stored');
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
    } finally {
      await ingest.stop();
      await Promise.allSettled([stream.close(), deadLetters.close(), statsStream.close()]);
    }
  });
});
