/**
 * `faresight lake` scale-out on Kinesis (kinesalite, started in this process and reached
 * by the writer processes over its port), the Kinesis checkpoints and the leases in
 * PostgreSQL (the row store's database). Skipped, with the reason, when PostgreSQL is not
 * running, unless CI=true.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { startKinesalite } from '../stream/kinesis/testing/kinesis-fixtures.js';
import { openLakeFleet } from './testing/lake-fleet.js';
import { runLakeLeaseSuite } from './testing/lake-lease-suite.js';
import { skipUnlessServers } from './testing/servers-skip.js';

const skip = await skipUnlessServers([['PostgreSQL', 5432]]);
if (skip) console.log(`skipping the Kinesis + PostgreSQL lake lease tests: ${skip}`);

// kinesalite checks no signature; the SDK's default chain (here and in the writers) still wants credentials
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
const kin = skip ? undefined : await startKinesalite();
after(() => kin?.close());

runLakeLeaseSuite({
  skip,
  open: () =>
    openLakeFleet({
      stream: {
        backend: 'kinesis',
        endpoint: kin!.conn.endpoint,
        deploymentPrefix: `lakelease${randomBytes(3).toString('hex')}-`,
      },
      rowStore: { backend: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' },
    }),
});
