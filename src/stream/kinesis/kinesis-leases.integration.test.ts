/**
 * Shard leases on Kinesis (kinesalite in this process): the leases live in the SQL lease
 * store on the database of the Kinesis checkpoints (here one PGlite), a fenced consumer
 * reads only its shards, and its commit is refused once the lease epoch moved on.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FencedError } from '../lease/lease-store.js';
import { runLeaseStoreSuite } from '../lease/lease-store-suite.js';
import { LeasedConsumer } from '../lease/leased-consumer.js';
import { SqlLeaseStore } from '../lease/sql-lease-store.js';
import { pump, waitFor } from '../lease/testing/pump.js';
import type { Batch } from '../stream.js';
import { makeRecords } from '../testing/stream-fixtures.js';
import { KinesisStream } from './kinesis-stream.js';
import { openPgliteCheckpoints, startKinesalite } from './testing/kinesis-fixtures.js';

const kin = await startKinesalite();
const checkpoints = await openPgliteCheckpoints();
after(async () => {
  await kin.close();
  await checkpoints.close();
});

const POLICY = { count: 50, bytes: 1 << 20, periodMs: 20 };
const KEYS = Array.from({ length: 40 }, (_, i) => `k${i}`);
let n = 0;
const uniqueName = (slug: string) => `kl${Date.now().toString(36)}-${n++}-${slug}`;
const opened: KinesisStream[] = [];
after(async () => {
  for (const s of opened) await s.close();
});

async function open(name: string, shards: number): Promise<KinesisStream> {
  const s = new KinesisStream({
    ...kin.conn,
    name,
    shards,
    retentionMs: 3_600_000,
    dedupeWindowMs: 0,
    checkpoints: checkpoints.store,
    pollIntervalMs: 20,
    trimIntervalMs: 0,
  });
  await s.connect();
  opened.push(s);
  return s;
}

/** The lease store on the checkpoints' database, as `openLeaseStore` opens it for Kinesis. */
const leaseStore = () => new SqlLeaseStore(checkpoints.sql);

describe('SqlLeaseStore on the Kinesis checkpoint database', () => {
  runLeaseStoreSuite(async () => leaseStore(), 'kinesis-shopping');
});

describe('shard leases on the kinesis stream (kinesalite)', () => {
  it('a fenced consumer reads only its shards and its commit is refused once the epoch moved on', async () => {
    const name = uniqueName('fence');
    const s = await open(name, 4);
    const store = leaseStore();
    await store.init(name, 'g', 4);
    const lease = await store.acquire(name, 'g', 0, 'owner-1', 60_000, Date.now());
    assert.ok(lease);
    await s.append(makeRecords(40, { prefix: 'f', keys: KEYS }));
    const stale = await s.consumer('g', POLICY, {
      shards: [0],
      fence: { owner: 'owner-1', epochs: new Map([[0, lease.epoch - 1]]) },
    });
    let batch: Batch;
    do batch = await stale.read();
    while (batch.records.length === 0);
    assert.ok(
      batch.records.every((r) => r.shard === 0),
      'reads only its shard',
    );
    const lag = async () => (await s.lag('g')).find((l) => l.shard === 0)!.records;
    const before = await lag();
    assert.ok(before > 0);
    await assert.rejects(stale.commit(batch), FencedError);
    assert.equal(await lag(), before, 'a fenced commit moves nothing');
    const current = await s.consumer('g', POLICY, {
      shards: [0],
      fence: { owner: 'owner-1', epochs: new Map([[0, lease.epoch]]) },
    });
    let again: Batch;
    do again = await current.read();
    while (again.records.length === 0);
    await current.commit(again);
    assert.equal(await lag(), before - again.records.length, 'the holder commits');
  });

  it('two members split the shards and together commit every record once; closing frees the leases', async () => {
    const name = uniqueName('split');
    const sa = await open(name, 5);
    const sb = await open(name, 5);
    const member = (s: KinesisStream, owner: string) =>
      LeasedConsumer.open(s, 'g', POLICY, {
        store: leaseStore(),
        owner,
        ttlMs: 5_000,
        renewMs: 30,
      });
    const a = await member(sa, 'a');
    const b = await member(sb, 'b');
    const pa = pump(a);
    const pb = pump(b);
    await waitFor(
      () => a.shards().length + b.shards().length === 5 && b.shards().length === 2,
      'a 3/2 split',
    );
    assert.deepEqual([...a.shards(), ...b.shards()].sort(), [0, 1, 2, 3, 4]);
    const recs = makeRecords(300, { prefix: 'r', keys: KEYS });
    await sa.append(recs);
    await waitFor(() => pa.committed.length + pb.committed.length >= 300, 'every record');
    await pa.stop();
    await pb.stop();
    assert.deepEqual(
      [...pa.committed, ...pb.committed].sort(),
      recs.map((r) => r.id).sort(),
      'each record committed exactly once',
    );
    assert.ok(pa.committed.length > 0 && pb.committed.length > 0, 'both members did work');
    await a.close();
    await b.close();
    assert.deepEqual(
      (await leaseStore().leases(name, 'g')).map((l) => l.owner),
      [undefined, undefined, undefined, undefined, undefined],
      'closing released every lease',
    );
    assert.ok(
      (await sa.lag('g')).every((l) => l.records === 0),
      'every shard committed to its end',
    );
  });
});
