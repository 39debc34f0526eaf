/**
 * consumers.leases on JetStream without PostgreSQL, as the role commands compose it: two
 * members (two processes' consumer factories) share the shopping stream's shards through
 * the KV lease store, commit every record once, and `openLeaseStore` shows the holders.
 */
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { configSchema } from '../../config/config.js';
import { JetStreamStream } from '../../stream/jetstream/jetstream-stream.js';
import { NATS_SERVERS, natsForTests } from '../../stream/jetstream/testing/nats-server.js';
import { twoLeasedMembersShareShards } from './testing/two-leased-members.js';

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
    await twoLeasedMembersShareShards(config);
  });
} else {
  it.skip(`leases on JetStream (skipped: no NATS server on ${NATS_SERVERS}; set CI=true to fail instead)`, () => {});
}
