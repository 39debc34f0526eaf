/**
 * The behaviour every LeaseStore keeps, run against SQLite (embedded) and PostgreSQL.
 * Time is passed in, so expiry is tested without waiting.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LeaseCoordinator } from './lease-coordinator.js';
import { FencedError, type LeaseStore } from './lease-store.js';

export function runLeaseStoreSuite(
  open: () => Promise<LeaseStore | undefined>,
  stream: string,
): void {
  it('an acquire takes a free shard, refuses a held one, and takes it once expired, bumping the epoch', async (t) => {
    const store = await open();
    if (!store) return t.skip('no backend');
    await store.init(stream, 'g1', 2);
    await store.init(stream, 'g1', 2); // idempotent
    const a = await store.acquire(stream, 'g1', 0, 'a', 1000, 10_000);
    assert.equal(a?.owner, 'a');
    assert.equal(a?.epoch, 1);
    assert.equal(await store.acquire(stream, 'g1', 0, 'b', 1000, 10_500), undefined);
    const again = await store.acquire(stream, 'g1', 0, 'a', 1000, 10_600);
    assert.equal(again?.epoch, 1, 'the owner re-taking its lease keeps the epoch');
    const b = await store.acquire(stream, 'g1', 0, 'b', 1000, 11_600);
    assert.equal(b?.owner, 'b');
    assert.equal(b?.epoch, 2, 'a new owner bumps the epoch');
    assert.deepEqual(
      await store.renew(stream, 'g1', 'a', new Map([[0, 1]]), 1000, 11_700),
      [],
      'the former owner cannot renew',
    );
    await assert.rejects(store.check(stream, 'g1', 'a', new Map([[0, 1]])), FencedError);
    await store.check(stream, 'g1', 'b', new Map([[0, 2]]));
    await store.release(stream, 'g1', 'b', new Map([[0, 2]]));
    await assert.rejects(store.check(stream, 'g1', 'b', new Map([[0, 2]])), FencedError);
    const c = await store.acquire(stream, 'g1', 0, 'c', 1000, 11_800);
    assert.equal(c?.epoch, 3, 'a released shard is free at once');
    await store.close();
  });

  it('members expire, and two coordinators split shards then take over a silent one', async (t) => {
    const store = await open();
    if (!store) return t.skip('no backend');
    let now = 100_000;
    const clock = () => now;
    const mk = (owner: string) =>
      new LeaseCoordinator({
        store,
        stream,
        group: 'g2',
        shards: 5,
        owner,
        ttlMs: 1000,
        renewMs: 3_600_000,
        now: clock,
      });
    const a = mk('a');
    const b = mk('b');
    await a.start();
    assert.equal(a.held().size, 5);
    await b.start();
    assert.equal(b.held().size, 0, 'nothing is free yet');
    await a.tick();
    assert.deepEqual(a.surplus(), [3, 4], 'a names the shards beyond its share');
    await a.release(a.surplus());
    await b.tick();
    assert.deepEqual([...b.held().keys()].sort(), [3, 4]);
    assert.deepEqual(
      (await store.members(stream, 'g2', now)).map((m) => m.owner),
      ['a', 'b'],
    );
    now += 1500; // a stops renewing (paused); b goes on
    await b.tick();
    assert.deepEqual([...b.held().keys()].sort(), [0, 1, 2, 3, 4], 'b took over a');
    assert.equal(a.held().size, 0, 'a knows its leases ran out without asking');
    await a.tick();
    assert.equal(a.held().size, 0, 'a cannot renew what b took');
    await b.stop();
    await a.stop();
    assert.deepEqual(await store.members(stream, 'g2', now), []);
    await store.close();
  });
}
