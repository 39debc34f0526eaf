/**
 * The lake writer on a leased consumer, in one process: when another member takes a shard
 * (as if this writer's lease had run out), the writer's next publish of a file of that
 * shard is refused, nothing of that shard is published or committed, and the writer goes
 * on with the shards it still holds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { Registry } from 'prom-client';
import { encodeRecord } from '../model/codec.js';
import { marketKey } from '../model/shopping-record.js';
import { variedRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { openEmbeddedLeaseStore } from '../stream/embedded/embedded-lease-sql.js';
import { LeasedConsumer } from '../stream/lease/leased-consumer.js';
import { shardFor } from '../stream/stream.js';
import { lakeRoot } from './lake-layout.js';
import { openLakeReader } from './testing/lake-reader.js';
import { startLocalLakeWriter } from './testing/start-local-lake-writer.js';
import { openTestStream } from './testing/test-stream.js';
import { writerConfig } from './testing/writer-config.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-lake-leases-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, cond: () => Promise<boolean>, maxMs = 60_000) {
  const end = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('a file of a shard taken away is never published; the other shards go on', async () => {
  const streamDir = join(dir, 'stream');
  const dataDir = join(dir, 'data');
  const stream = await openTestStream(streamDir, 'shopping', { shards: 4 });
  const leases = openEmbeddedLeaseStore(streamDir, 'shopping');
  const registry = new Registry();
  const writer = await startLocalLakeWriter({
    stream,
    config: writerConfig(dataDir, { rotateSeconds: 1, batch: { count: 50, periodMs: 20 } }),
    logger: silentLogger,
    registry,
    // No renewal during the test: the writer learns of the loss only from the fence.
    openConsumer: (s, g, p) =>
      LeasedConsumer.open(s, g, p, {
        store: leases,
        owner: 'writer',
        ttlMs: 600_000,
        renewMs: 600_000,
      }),
  });
  try {
    await until('the writer holding every shard', async () =>
      (await leases.leases('shopping', 'lake')).every((l) => l.owner === 'writer'),
    );
    const taken = await leases.acquire(
      'shopping',
      'lake',
      0,
      'other',
      600_000,
      Date.now() + 3_600_000,
    );
    assert.ok(taken);
    const t0 = Date.parse('2026-11-26T04:00:00.000Z');
    const recs = Array.from({ length: 200 }, (_, i) => ({
      ...variedRecord(i, { receivedAtMs: t0 + i }),
      id: `r${i}`,
    }));
    await stream.append(
      recs.map((r) => ({ key: marketKey(r), id: r.id, data: encodeRecord(r), timestamp: t0 })),
    );
    const kept = recs.filter((r) => shardFor(marketKey(r), 4) !== 0).map((r) => r.id);
    assert.ok(kept.length > 0 && kept.length < recs.length, 'records on shard 0 and on others');
    await until('shards 1-3 committed', async () =>
      (await stream.lag('lake')).filter((l) => l.shard !== 0).every((l) => l.records === 0),
    );
    await until('the refused publish counted', async () =>
      /faresight_lake_fenced_total\{source="shopping",at="publish"\} [1-9]/.test(
        await registry.metrics(),
      ),
    );
    await writer.stop();
    const lag0 = (await stream.lag('lake')).find((l) => l.shard === 0)!;
    assert.equal(lag0.records, recs.length - kept.length, 'nothing of shard 0 committed');
    const files = (readdirSync(lakeRoot(dataDir), { recursive: true }) as string[])
      .map((f) => f.split('/').at(-1)!)
      .filter((f) => f.endsWith('.parquet'));
    assert.ok(files.length > 0);
    assert.deepEqual(
      files.filter((f) => f.startsWith('0-')),
      [],
      'no file of shard 0 published',
    );
    for (const f of files) assert.match(f, /^\d+-\d+-\d+-e\d+\.parquet$/, 'named with its epoch');
    const q = await openLakeReader(dataDir);
    try {
      const rows = await q.all('select id from searches order by id');
      assert.deepEqual(
        rows.map((r) => r.id),
        [...kept].sort(),
      );
    } finally {
      await q.close();
    }
  } finally {
    await writer.stop().catch(() => {});
    await leases.close();
    await stream.close();
  }
});
