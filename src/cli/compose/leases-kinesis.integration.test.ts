/**
 * consumers.leases on Kinesis (kinesalite in this process) as the role commands compose
 * it: the leases live in the PostgreSQL of the Kinesis checkpoints, two members (two
 * processes' consumer factories) share the shopping stream's shards and commit every
 * record once, and `openLeaseStore` shows the holders. Skipped, with the reason, when
 * PostgreSQL is not running, unless CI=true.
 */
import { randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { configSchema } from '../../config/config.js';
import { startKinesalite } from '../../stream/kinesis/testing/kinesis-fixtures.js';
import { skipUnlessServers } from '../testing/servers-skip.js';
import { twoLeasedMembersShareShards } from './testing/two-leased-members.js';

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
    await twoLeasedMembersShareShards(config);
  });
} else {
  it.skip(`leases on Kinesis (skipped: ${skip}; set CI=true to fail instead)`, () => {});
}
