import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FencedError } from '../lease/lease-store.js';
import { SqlLeaseStore } from '../lease/sql-lease-store.js';
import type { ShardPosition } from './checkpoint-store.js';
import type { SqlCheckpointStore } from './sql-checkpoint-store.js';
import { openPgliteCheckpoints } from './testing/kinesis-fixtures.js';

const K1 = '49680575577126230946352397677644560131521708485823692802';
const K2 = '49680575577126230946352397677644560131521708485823692999';

describe('SqlCheckpointStore (PGlite)', () => {
  let db: Awaited<ReturnType<typeof openPgliteCheckpoints>>;
  let store: SqlCheckpointStore;
  before(async () => {
    db = await openPgliteCheckpoints();
    store = db.store;
  });
  after(() => db.close());

  it('registers a stream once per name and generation', async () => {
    const a = await store.registerStream('reg', 'g1', 2);
    assert.equal(await store.registerStream('reg', 'g1', 2), a);
    assert.notEqual(await store.registerStream('reg', 'g2', 2), a);
    assert.deepEqual(await store.tail(a, 1), { kseq: null, nextSeq: 1 });
    await store.init(); // idempotent
  });

  it('a save under an older group version (a rewind happened) changes nothing', async () => {
    const id = await store.registerStream('ckpt', 'g', 2);
    await store.ensureGroup(id, 'g', 1);
    const v = (await store.groupVersion(id, 'g'))!;
    const p1: ShardPosition = { seq: 7, kseq: K1, afterEntry: true };
    assert.equal(await store.save(id, 'g', v, new Map([[0, p1]])), true);
    assert.deepEqual(await store.load(id, 'g', 0), p1);
    assert.equal(await store.load(id, 'g', 1), undefined);
    await store.rewind(id, 'g', new Map([[0, { seq: 2, kseq: K1, afterEntry: false }]]), 2);
    assert.equal(await store.groupVersion(id, 'g'), v + 1);
    assert.equal(
      await store.save(id, 'g', v, new Map([[0, { seq: 9, kseq: K2, afterEntry: true }]])),
      false,
    );
    assert.deepEqual(await store.load(id, 'g', 0), { seq: 2, kseq: K1, afterEntry: false });
    assert.deepEqual(await store.groups(id), ['g']);
  });

  it('a fenced save is refused with FencedError, moving nothing, once the lease epoch moved on', async () => {
    const id = await store.registerStream('fenced', 'g', 2);
    await store.ensureGroup(id, 'g', 1);
    const v = (await store.groupVersion(id, 'g'))!;
    // the leases live in the same database as the checkpoints
    const leases = new SqlLeaseStore(db.sql);
    await leases.init('fenced', 'g', 2);
    const a = await leases.acquire('fenced', 'g', 0, 'a', 1000, 10_000);
    const p1: ShardPosition = { seq: 5, kseq: K1, afterEntry: true };
    const fenceA = { stream: 'fenced', owner: 'a', epochs: new Map([[0, a!.epoch]]) };
    assert.equal(await store.save(id, 'g', v, new Map([[0, p1]]), fenceA), true);
    assert.deepEqual(await store.load(id, 'g', 0), p1, 'the holder commits');
    // a paused past its lease: b takes shard 0 and bumps the epoch
    const b = await leases.acquire('fenced', 'g', 0, 'b', 1000, 20_000);
    assert.equal(b?.epoch, a!.epoch + 1);
    const p2: ShardPosition = { seq: 9, kseq: K2, afterEntry: true };
    await assert.rejects(store.save(id, 'g', v, new Map([[0, p2]]), fenceA), (err: unknown) => {
      assert.ok(err instanceof FencedError);
      assert.deepEqual(err.shards, [0]);
      return true;
    });
    assert.deepEqual(await store.load(id, 'g', 0), p1, 'a fenced save moves nothing');
    // a shard of the batch missing from the fence is not held either
    await assert.rejects(
      store.save(id, 'g', v, new Map([[1, p2]]), { ...fenceA, epochs: new Map() }),
      FencedError,
    );
    assert.equal(await store.load(id, 'g', 1), undefined);
    const fenceB = { stream: 'fenced', owner: 'b', epochs: new Map([[0, b!.epoch]]) };
    assert.equal(await store.save(id, 'g', v, new Map([[0, p2]]), fenceB), true);
    assert.deepEqual(await store.load(id, 'g', 0), p2);
    // a rewind still wins over a fenced save read before it: false, not FencedError
    await store.rewind(id, 'g', new Map([[0, p1]]), 2);
    assert.equal(await store.save(id, 'g', v, new Map([[0, p2]]), fenceB), false);
    assert.deepEqual(await store.load(id, 'g', 0), p1);
  });

  it('extend is a compare-and-set on the tail and numbers records contiguously', async () => {
    const id = await store.registerStream('idx', 'g', 1);
    const e = (kseq: string, count: number, ts: number) => ({
      kseq,
      count,
      tsMin: ts,
      tsMax: ts + count - 1,
      arrivalMs: ts,
    });
    assert.equal(await store.extend(id, 0, K1, [e(K2, 1, 0)]), false, 'wrong tail');
    assert.equal(await store.extend(id, 0, null, [e(K1, 3, 100)]), true);
    assert.equal(await store.extend(id, 0, null, [e(K2, 1, 0)]), false, 'stale tail');
    assert.equal(await store.extend(id, 0, K1, [e(K2, 2, 200)]), true);
    const rows = await store.lookup(id, 0, [K1, K2]);
    assert.deepEqual([rows.get(K1)!.firstSeq, rows.get(K2)!.firstSeq], [1, 4]);
    assert.equal((await store.entryForSeq(id, 0, 3))!.kseq, K1);
    assert.equal((await store.entryForSeq(id, 0, 4))!.kseq, K2);
    assert.equal(await store.entryForSeq(id, 0, 6), undefined);
    assert.equal((await store.entryForTime(id, 0, 102))!.kseq, K1);
    assert.equal((await store.entryForTime(id, 0, 103))!.kseq, K2);
    assert.equal(await store.countAfter(id, 0, 2), 3);
    assert.equal(await store.trimBefore(id, 150), 3);
    assert.equal(await store.trimBefore(id, 150), 0);
    assert.equal((await store.entryForSeq(id, 0, 1))!.kseq, K2, 'trimmed entries are skipped');
    assert.deepEqual(await store.summary(id, 0), { records: 2, tsMin: 200, tsMax: 201 });
  });

  it('dedupe claims: stored ids are duplicates within the window, held ids block, released ids are free', async () => {
    const id = await store.registerStream('dedupe', 'g', 1);
    const t = 1_000_000;
    const claim = (ids: string[], owner: string, now: number) =>
      store.claim(id, ids, owner, now, now - 60_000, now - 30_000);
    assert.deepEqual([...(await claim(['a', 'b', 'c'], 'w1', t))].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...(await claim(['a', 'd'], 'w2', t + 1))], ['d'], 'a is held by w1');
    assert.deepEqual(await store.claimState(id, ['a']), new Map([['a', false]]));
    await store.settle(id, 'w1', ['a', 'b'], ['c'], t + 2);
    assert.deepEqual(
      await store.claimState(id, ['a', 'b', 'c']),
      new Map([
        ['a', true],
        ['b', true],
      ]),
    );
    assert.deepEqual([...(await claim(['a', 'b', 'c'], 'w3', t + 3))], ['c']);
    // a claim of a writer that died is taken over after the claim timeout
    assert.deepEqual([...(await claim(['d'], 'w4', t + 31_000))], ['d']);
    // after the window a stored id is new again
    assert.deepEqual([...(await claim(['a'], 'w5', t + 60_003))], ['a']);
    await store.prune(id, 0, t + 30_000);
    assert.deepEqual(
      [...(await store.claimState(id, ['b', 'c', 'd']))].length,
      1,
      'only d is recent',
    );
  });
});
