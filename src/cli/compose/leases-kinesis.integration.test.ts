/**
 * consumers.leases on Kinesis (kinesalite in this process) as the role commands compose
 * it: the leases live in the PostgreSQL of the Kinesis checkpoints, two members (two
 * processes' consumer factories) share the shopping stream's shards and commit every
 * record once, and `openLeaseStore` shows the holders. Skipped, with the reason, when
 * PostgreSQL is not running, unless CI=true.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { configSchema } from '../../config/config.js';
import { silentLogger } from '../../ops/logger.js';
import { startKinesalite } from '../../stream/kinesis/testing/kinesis-fixtures.js';
import type { Consumer } from '../../stream/stream.js';
import { makeRecords } from '../../stream/testing/stream-fixtures.js';
import { skipUnlessServers } from '../testing/servers-skip.js';
import { leasedConsumers, openLeaseStore } from './leases.js';
import { openStream } from './stream.js';

const POLICY = { count: 50, bytes: 1 << 20, periodMs: 50 };
const skip = await skipUnlessServers([['PostgreSQL', 5432]]);

if (!skip) {
  // kinesalite checks no signature; the SDK's default chain still wants credentials
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const kin = await startKinesalite();
  after(() => kin.close());
  const config = configSchema.parse({
    stream: {
      backend: 'kinesis',
      endpoint: kin.conn.endpoint,
      shards: 4,
      deploymentPrefix: `lk${randomBytes(3).toString('hex')}-`,
    },
    rowStore: { backend: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' },
    consumers: { leases: true, leaseSeconds: 5 },
  });

  it('two members share the shards through the PostgreSQL of the checkpoints and commit every record once', async () => {
    const stream = await openStream(config, silentLogger);
    await stream.append(makeRecords(200, { prefix: 'r', keys: ['a', 'b', 'c', 'd', 'e', 'f'] }));
    const members = [leasedConsumers(config, silentLogger), leasedConsumers(config, silentLogger)];
    const consumers: Consumer[] = [];
    for (const m of members) consumers.push(await m.open(stream, 'rt-x', POLICY));
    const store = await openLeaseStore(config, stream.name);
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
    for (const c of consumers) await c.close();
    for (const m of members) await m.close();
    await store.close();
    await stream.close();
  });
} else {
  it.skip(`leases on Kinesis (skipped: ${skip}; set CI=true to fail instead)`, () => {});
}
