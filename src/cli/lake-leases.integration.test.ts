/**
 * `faresight lake` scale-out on NATS JetStream, its checkpoints and leases in JetStream KV
 * (openLeaseStore: the stream's own KV buckets; the PostgreSQL row store is configured but
 * holds no lease). Skipped, with the reason, when a server is not running, unless CI=true.
 */
import { randomBytes } from 'node:crypto';
import { openLakeFleet } from './testing/lake-fleet.js';
import { runLakeLeaseSuite } from './testing/lake-lease-suite.js';
import { skipUnlessServers } from './testing/servers-skip.js';

const skip = await skipUnlessServers([
  ['PostgreSQL', 5432],
  ['NATS', 4222],
]);
if (skip) console.log(`skipping the JetStream + PostgreSQL lake lease tests: ${skip}`);

runLakeLeaseSuite({
  skip,
  open: () =>
    openLakeFleet({
      stream: {
        backend: 'jetstream',
        servers: '127.0.0.1:4222',
        deploymentPrefix: `lakelease${randomBytes(3).toString('hex')}-`,
      },
      rowStore: { backend: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' },
    }),
});
