/**
 * consumers.leases on JetStream without PostgreSQL, as the role commands compose it: two
 * members (two processes' consumer factories) share the shopping stream's shards through
 * the KV lease store, commit every record once, and `openLeaseStore` shows the holders.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { configSchema } from '../../config/config.js';
import { silentLogger } from '../../ops/logger.js';
import { JetStreamStream } from '../../stream/jetstream/jetstream-stream.js';
import { NATS_SERVERS, natsForTests } from '../../stream/jetstream/testing/nats-server.js';
import type { Consumer } from '../../stream/stream.js';
import { makeRecords } from '../../stream/testing/stream-fixtures.js';
import { leasedConsumers, openLeaseStore } from './leases.js';
import { openStream } from './stream.js';

const POLICY = { count: 50, bytes: 1 << 20, periodMs: 50 };

if (await natsForTests('leases on JetStream through the role wiring')) {
  const config = configSchema.parse({
    stream: {
      backend: 'jetstream',
      servers: NATS_SERVERS,
      shards: 4,
      deploymentPrefix: `lk${randomBytes(3).toString('hex')}-`,
    },
    consumers: { leases: true, leaseSeconds: 5 },
  });
  after(() => JetStreamStream.destroy(NATS_SERVERS, `${config.stream.deploymentPrefix}shopping`));

  it('two members share the shards through JetStream KV and commit every record once', async () => {
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
    for (const c of consumers) await c.close();
    for (const m of members) await m.close();
    await store.close();
    await stream.close();
  });
} else {
  it.skip(`leases on JetStream (skipped: no NATS server on ${NATS_SERVERS}; set CI=true to fail instead)`, () => {});
}
