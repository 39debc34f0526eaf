/**
 * The leases check every backend's role wiring passes: two members (two processes'
 * consumer factories) of one group share the shopping stream's shards through the
 * backend's lease store and commit every record exactly once.
 */
import assert from 'node:assert/strict';
import type { Config } from '../../../config/config.js';
import { silentLogger } from '../../../ops/logger.js';
import type { Consumer } from '../../../stream/stream.js';
import { makeRecords } from '../../../stream/testing/stream-fixtures.js';
import { leasedConsumers, openLeaseStore } from '../leases.js';
import { openStream } from '../stream.js';

const POLICY = { count: 50, bytes: 1 << 20, periodMs: 50 };

/**
 * Appends 200 records, reads them with two leased members of group `rt-x` until every
 * record is committed and each member holds shards; asserts no record was committed
 * twice, each member held shards and every shard was committed to its end.
 */
export async function twoLeasedMembersShareShards(config: Config): Promise<void> {
  const stream = await openStream(config, silentLogger);
  await stream.append(makeRecords(200, { prefix: 'r', keys: ['a', 'b', 'c', 'd', 'e', 'f'] }));
  const members = [leasedConsumers(config, silentLogger), leasedConsumers(config, silentLogger)];
  const consumers: Consumer[] = [];
  for (const m of members) consumers.push(await m.open(stream, 'rt-x', POLICY));
  const store = await openLeaseStore(config, stream.name);
  try {
    const owners = async () => (await store.leases(stream.name, 'rt-x')).map((l) => l.owner);
    const split = async () => {
      const o = await owners();
      return o.every((x) => x !== undefined) && new Set(o).size === 2;
    };
    const committed: string[] = [];
    const deadline = Date.now() + 120_000; // a hang guard, not a timing check
    while (committed.length < 200 || !(await split())) {
      if (Date.now() > deadline)
        assert.fail(`committed ${committed.length}, owners ${await owners()}`);
      for (const c of consumers) {
        const b = await c.read();
        if (b.records.length === 0) continue;
        await c.commit(b);
        committed.push(...b.records.map((r) => r.id));
      }
    }
    assert.equal(new Set(committed).size, committed.length, 'no record committed twice');
    assert.equal(committed.length, 200);
    assert.deepEqual(
      new Set(await owners()),
      new Set(members.map((m) => m.owner)),
      'each member holds shards',
    );
    assert.ok(
      (await stream.lag('rt-x')).every((l) => l.records === 0),
      'every shard committed to its end',
    );
  } finally {
    for (const c of consumers) await c.close();
    for (const m of members) await m.close();
    await store.close();
    await stream.close();
  }
}
