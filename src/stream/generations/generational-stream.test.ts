/** Growing the embedded stream from 4 to 8 shards while it is appended to and read. */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openEmbeddedLeaseStore } from '../embedded/embedded-lease-sql.js';
import { EmbeddedStream } from '../embedded/embedded-stream.js';
import { FencedError } from '../lease/lease-store.js';
import { LeasedConsumer } from '../lease/leased-consumer.js';
import type { SqlLeaseStore } from '../lease/sql-lease-store.js';
import { runStreamSuite } from '../stream-suite.js';
import { makeRecords } from '../testing/stream-fixtures.js';
import { FileGenerationLog } from './generation-log.js';
import { GenerationalStream, type RetireEvent } from './generational-stream.js';
import { assertSealKeepsAndRefuses, runReshardSuite } from './reshard-suite.js';
import { RETIRE_RETENTION_MS, runRetireSuite } from './retire-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-gen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openEmbedded(
  name: string,
  more: Partial<ConstructorParameters<typeof GenerationalStream>[0]> = {},
  retentionMs = 86_400_000,
) {
  return async () =>
    new GenerationalStream({
      name,
      shards: 4,
      log: new FileGenerationLog(join(dir, `${name}.generations.json`)),
      open: async (n, shards) => {
        const s = new EmbeddedStream({
          dir,
          name: n,
          shards,
          retentionMs,
          dedupeWindowMs: 60_000,
          trimIntervalMs: 0,
        });
        await s.connect();
        return s;
      },
      ...more,
    });
}

const dropEmbedded = async (n: string) => EmbeddedStream.drop(dir, n);

// a stream never resharded keeps the whole stream contract through the generations layer
runStreamSuite({
  name: 'generational over embedded, one generation',
  create: async (o) =>
    new GenerationalStream({
      name: o.name,
      shards: o.shards,
      log: new FileGenerationLog(join(dir, `${o.name}.generations.json`)),
      open: async (n, shards) => {
        const s = new EmbeddedStream({ dir, ...o, name: n, shards, trimIntervalMs: 0 });
        await s.connect();
        return s;
      },
    }),
});

describe('GenerationalStream on the embedded stream', () => {
  runReshardSuite(openEmbedded('reshard'));

  it('a sealed embedded stream refuses appends and keeps what it had', async () => {
    const s = new EmbeddedStream({
      dir,
      name: 'sealed',
      shards: 2,
      retentionMs: 86_400_000,
      dedupeWindowMs: 0,
      writerThread: false,
    });
    await s.connect();
    await assertSealKeepsAndRefuses(s);
    await s.close();
  });
});

describe('retiring drained generations of the embedded stream', () => {
  runRetireSuite({
    open: openEmbedded('retire', { drop: dropEmbedded, retireIntervalMs: 0 }, RETIRE_RETENTION_MS),
    exists: async (n) => existsSync(join(dir, `${n}.db`)),
  });

  it('the retire timer retires a sealed generation past retention and tells onRetire', async () => {
    const events: RetireEvent[] = [];
    const stream = await openEmbedded(
      'timer',
      { drop: dropEmbedded, retireIntervalMs: 20, onRetire: (e) => events.push(e) },
      60_000,
    )();
    await stream.connect();
    const old = Date.now() - 120_000; // past the retention of a minute
    await stream.append(makeRecords(5, { prefix: 'o', timestamp: () => old }));
    await stream.reshard(2);
    await stream.append(makeRecords(3, { prefix: 'n' }));
    const guard = Date.now() + 60_000; // a hang guard, not a timing check
    while (!events.some((e) => e.type === 'retired')) {
      if (Date.now() > guard) assert.fail(`no retirement: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const e = events.find((x) => x.type === 'retired')!;
    assert.ok(e.type === 'retired' && e.generation.gen === 0 && e.records === 5);
    assert.equal(existsSync(join(dir, 'timer.db')), false);
    assert.deepEqual(
      (await stream.refresh()).map((g) => g.gen),
      [1],
    );
    assert.equal((await stream.info()).records, 3);
    await stream.close();
  });
});

describe('GenerationalStream with leased readers (the lake writer publishes through this)', () => {
  it('forwards the fence of a later generation, its shards numbered as the batches number them', async () => {
    const stream = await openEmbedded('fenced')();
    await stream.connect();
    await stream.reshard(3); // generation 1: shards 4, 5, 6
    const stores: SqlLeaseStore[] = [];
    const consumer = await stream.consumerWith('lake', async (s) => {
      const store = openEmbeddedLeaseStore(dir, s.name);
      stores.push(store);
      return LeasedConsumer.open(
        s,
        'lake',
        { count: 100, bytes: 1_000_000, periodMs: 50 },
        {
          store,
          owner: 'member-a',
          ttlMs: 30_000,
        },
      );
    });
    try {
      await stream.append(
        ['JFK-LAX', 'LHR-CDG', 'SFO-NRT', 'BOS-MIA'].map((key, i) => ({
          key,
          id: `r-${i}`,
          data: new Uint8Array([i]),
        })),
      );
      let batch = await consumer.read();
      while (batch.records.length === 0) batch = await consumer.read();
      const epochs = consumer.epochsOf(batch);
      assert.ok(epochs && epochs.size > 0, 'a leased batch has epochs');
      for (const shard of epochs.keys()) assert.ok(shard >= 4 && shard < 7, `shard ${shard}`);
      await consumer.checkFence(epochs); // held at those epochs: passes
      const [shard, epoch] = [...epochs][0]!;
      await assert.rejects(
        consumer.checkFence(new Map([[shard, epoch + 1]])),
        (e: unknown) => e instanceof FencedError && e.shards.includes(shard),
      );
      await assert.rejects(
        consumer.checkFence(new Map([[0, epoch]])), // generation 0's shard: not read here
        (e: unknown) => e instanceof FencedError && e.shards.includes(0),
      );
      await consumer.commit(batch);
    } finally {
      await consumer.close();
      for (const s of stores) await s.close();
      await stream.close();
    }
  });
});
