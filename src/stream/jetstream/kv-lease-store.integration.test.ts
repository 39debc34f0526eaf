/**
 * Leases on JetStream KV (no PostgreSQL): the lease store suite, and commits fenced in the
 * checkpoint entry, so a former owner paused after its lease check cannot commit.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { FencedError } from '../lease/lease-store.js';
import { runLeaseStoreSuite } from '../lease/lease-store-suite.js';
import { LeasedConsumer } from '../lease/leased-consumer.js';
import { makeRecords, readRecords } from '../testing/stream-fixtures.js';
import { JetStreamStream } from './jetstream-stream.js';
import { type KvLeaseStore, openKvLeaseStore } from './kv-lease-store.js';
import { NATS_SERVERS, natsForTests } from './testing/nats-server.js';

const POLICY = { count: 100, bytes: 1 << 20, periodMs: 50 };
const base = `tkl${randomBytes(3).toString('hex')}`;
const names: string[] = [];
const stores: KvLeaseStore[] = [];

async function openStream(suffix: string, shards = 2): Promise<JetStreamStream> {
  const name = `${base}-${suffix}`;
  names.push(name);
  const s = new JetStreamStream({
    servers: NATS_SERVERS,
    name,
    shards,
    retentionMs: 3_600_000,
    dedupeWindowMs: 60_000,
  });
  await s.connect();
  return s;
}

async function store(): Promise<KvLeaseStore> {
  const s = await openKvLeaseStore(NATS_SERVERS);
  stores.push(s);
  return s;
}

if (await natsForTests('the JetStream KV lease store suite')) {
  after(async () => {
    for (const s of stores) await s.close().catch(() => {});
    for (const n of names) await JetStreamStream.destroy(NATS_SERVERS, n);
  });

  describe('KvLeaseStore on JetStream', () => {
    names.push(`${base}-suite`);
    runLeaseStoreSuite(store, `${base}-suite`);
  });

  describe('fenced commits on JetStream', () => {
    it('a former owner paused after its lease check cannot commit once the new owner claimed the shard', async () => {
      const stream = await openStream('fence', 1);
      await stream.append(makeRecords(10, { prefix: 'f', keys: ['k'] }));
      // owner a at epoch 1 reads a batch, then "pauses" (past the lease check)
      const a = await stream.consumer('g', POLICY, {
        fence: { owner: 'a', epochs: new Map([[0, 1]]) },
      });
      const batchA = (await readRecords(a, 10)).batches.find((x) => x.records.length > 0)!;
      // b took the shard over (epoch 2) and read from the checkpoint
      const b = await stream.consumer('g', POLICY, {
        fence: { owner: 'b', epochs: new Map([[0, 2]]) },
      });
      const { batches } = await readRecords(b, 10);
      // a resumes: its write is refused in the checkpoint entry itself
      await assert.rejects(a.commit(batchA), FencedError);
      assert.equal((await stream.lag('g'))[0]!.records, 10, 'the checkpoint did not move');
      for (const batch of batches) await b.commit(batch);
      assert.equal((await stream.lag('g'))[0]!.records, 0);
      // and a reader under a stale epoch is refused before it reads anything
      const late = await stream.consumer('g', POLICY, {
        fence: { owner: 'a', epochs: new Map([[0, 1]]) },
      });
      await assert.rejects(late.read(), FencedError);
      await stream.close();
    });

    it('two members leasing on KV split the shards and commit every record exactly once', async () => {
      const stream = await openStream('split', 4);
      const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
      await stream.append(makeRecords(400, { prefix: 's', keys }));
      const opts = { store: await store(), ttlMs: 5000, renewMs: 100 };
      const a = await LeasedConsumer.open(stream, 'g', POLICY, { ...opts, owner: 'a' });
      const b = await LeasedConsumer.open(stream, 'g', POLICY, { ...opts, owner: 'b' });
      const committed: string[] = [];
      const until = Date.now() + 60_000;
      // reads on until every record is in and the shards are split (a hang guard, no timing)
      while ((committed.length < 400 || b.shards().length < 2) && Date.now() < until) {
        for (const c of [a, b]) {
          const batch = await c.read();
          if (batch.records.length === 0) continue;
          await c.commit(batch);
          committed.push(...batch.records.map((r) => r.id));
        }
      }
      assert.equal(committed.length, 400);
      assert.equal(new Set(committed).size, 400, 'no record committed twice');
      assert.equal(a.shards().length + b.shards().length, 4);
      assert.equal(b.shards().length, 2, 'b holds its share');
      await a.close();
      await b.close();
      await stream.close();
    });
  });
} else {
  it.skip(`KvLeaseStore (skipped: no NATS server on ${NATS_SERVERS}; set CI=true to fail instead)`, () => {});
}
