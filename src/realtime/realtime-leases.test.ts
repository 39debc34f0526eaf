/**
 * Scale-out of the real-time runner: runners of one use case in several processes (here
 * separate stream connections and runner instances) share its group's shards by lease,
 * and a commit the lease refuses leaves the loop running.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeRecord } from '../model/codec.js';
import { marketKey } from '../model/shopping-record.js';
import { searchRecord } from '../model/testing/records.js';
import { silentLogger } from '../ops/logger.js';
import { openEmbeddedLeaseStore } from '../stream/embedded/embedded-lease-sql.js';
import { openTestStream } from '../stream/embedded/testing/test-streams.js';
import type { LeaseStore } from '../stream/lease/lease-store.js';
import { LeasedConsumer } from '../stream/lease/leased-consumer.js';
import type { BatchPolicy, Stream } from '../stream/stream.js';
import { type RealtimeService, startRealtime } from './realtime-runner.js';
import { until } from './testing/runner-fixtures.js';
import type { UseCase } from './use-case.js';

const policy = { count: 20, bytes: 1 << 20, periodMs: 20 };
const retry = { initialDelayMs: 2, maxDelayMs: 20 };
const DESTS = ['LHR', 'CDG', 'AMS', 'BCN', 'FRA', 'MAD', 'FCO', 'DXB', 'SIN', 'HND', 'SYD', 'LAX'];
const root = mkdtempSync(join(tmpdir(), 'faresight-rt-leases-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function append(stream: Stream, n: number, prefix: string): Promise<string[]> {
  const recs = Array.from({ length: n }, (_, i) =>
    searchRecord({
      id: `${prefix}${i}`,
      destination: DESTS[i % DESTS.length],
      offers: [{ carrier: 'BA', amount: 100 + i }],
    }),
  );
  await stream.append(recs.map((r) => ({ key: marketKey(r), id: r.id, data: encodeRecord(r) })));
  return recs.map((r) => r.id);
}

function recorder() {
  const seen: string[] = [];
  const uc: UseCase = {
    name: 'rec',
    async processBatch(recs) {
      seen.push(...recs.map((r) => r.id));
    },
  };
  return { uc, seen };
}

function leased(store: LeaseStore, owner: string, ttlMs: number) {
  return (source: Stream, group: string, p: BatchPolicy) =>
    LeasedConsumer.open(source, group, p, { store, owner, ttlMs, renewMs: 20 });
}

describe('realtime runner with shard leases', () => {
  it('two runners of one use case split its shards and together process every record', async () => {
    const dir = join(root, 'split');
    const sa = await openTestStream(dir, 'shopping', { shards: 4 });
    const sb = await openTestStream(dir, 'shopping', { shards: 4 });
    const ra = recorder();
    const rb = recorder();
    const runners: RealtimeService[] = [];
    for (const [s, r, owner] of [
      [sa, ra, 'a'],
      [sb, rb, 'b'],
    ] as const)
      runners.push(
        await startRealtime({
          stream: s,
          useCases: [r.uc],
          policy,
          logger: silentLogger,
          retry,
          openConsumer: leased(openEmbeddedLeaseStore(dir, 'shopping'), owner, 60_000),
        }),
      );
    const leases = openEmbeddedLeaseStore(dir, 'shopping');
    await until('a 2/2 split', async () => {
      const owners = (await leases.leases('shopping', 'rt-rec')).map((l) => l.owner);
      return (
        owners.filter((o) => o === 'a').length === 2 && owners.filter((o) => o === 'b').length === 2
      );
    });
    const ids = await append(sa, 240, 'x');
    await until('every record processed', () => new Set([...ra.seen, ...rb.seen]).size === 240);
    await until('every record committed', async () =>
      (await sa.lag('rt-rec')).every((l) => l.records === 0),
    );
    for (const r of runners) assert.equal(r.stats()[0]!.deadLetters, 0, 'no record dead-lettered');
    for (const r of runners) await r.stop();
    assert.deepEqual([...new Set([...ra.seen, ...rb.seen])].sort(), [...ids].sort());
    assert.ok(ra.seen.length > 0 && rb.seen.length > 0, 'both runners processed records');
    assert.equal(
      ra.seen.length + rb.seen.length,
      240,
      'no record processed twice without a rebalance',
    );
    await leases.close();
    await sa.close();
    await sb.close();
  });

  it('a fenced commit (a shard taken away) leaves the loop reading the shards it still holds', async () => {
    const dir = join(root, 'fenced');
    const s = await openTestStream(dir, 'shopping', { shards: 4 });
    const store = openEmbeddedLeaseStore(dir, 'shopping');
    const r = recorder();
    const rt = await startRealtime({
      stream: s,
      useCases: [r.uc],
      policy,
      logger: silentLogger,
      retry,
      openConsumer: leased(store, 'runner', 600_000),
    });
    await until('the runner holding every shard', async () =>
      (await store.leases('shopping', 'rt-rec')).every((l) => l.owner === 'runner'),
    );
    // Another process takes shard 0 as if the runner's lease had run out.
    const intruder = await store.acquire(
      'shopping',
      'rt-rec',
      0,
      'intruder',
      600_000,
      Date.now() + 3_600_000,
    );
    assert.ok(intruder);
    await append(s, 240, 'y');
    await until('every shard but 0 committed', async () =>
      (await s.lag('rt-rec')).filter((l) => l.shard !== 0).every((l) => l.records === 0),
    );
    const lag0 = (await s.lag('rt-rec')).find((l) => l.shard === 0)!;
    assert.ok(lag0.records > 0, 'shard 0 is the intruder’s: the runner committed nothing there');
    assert.equal(rt.stats()[0]!.failures, 0, 'a fenced commit is no failure to retry');
    await rt.stop();
    await store.close();
    await s.close();
  });
});
