/** Growing a JetStream stream from 4 to 8 shards while it is appended to and read. */
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { connect } from 'nats';
import { generationName } from '../generations/generation-log.js';
import { GenerationalStream } from '../generations/generational-stream.js';
import { assertSealKeepsAndRefuses, runReshardSuite } from '../generations/reshard-suite.js';
import { JetStreamStream } from './jetstream-stream.js';
import { KvGenerationLog } from './kv-generation-log.js';
import { NATS_SERVERS, natsForTests } from './testing/nats-server.js';

const base = `tjr${randomBytes(3).toString('hex')}`;

function physical(name: string, shards: number) {
  return new JetStreamStream({
    servers: NATS_SERVERS,
    name,
    shards,
    retentionMs: 3_600_000,
    dedupeWindowMs: 60_000,
  });
}

if (await natsForTests('the JetStream reshard test')) {
  after(async () => {
    for (const n of [generationName(base, 0), generationName(base, 1), `${base}-sealed`])
      await JetStreamStream.destroy(NATS_SERVERS, n);
    const nc = await connect({ servers: NATS_SERVERS });
    await (await nc.jetstreamManager()).streams.delete(`KV_${base}-generations`).catch(() => {});
    await nc.close();
  });

  describe('GenerationalStream on JetStream', () => {
    runReshardSuite(
      async () =>
        new GenerationalStream({
          name: base,
          shards: 4,
          log: await KvGenerationLog.open(NATS_SERVERS, base),
          open: async (n, shards) => {
            const s = physical(n, shards);
            await s.connect();
            return s;
          },
        }),
    );

    it('a sealed JetStream stream refuses appends and keeps what it had', async () => {
      const s = physical(`${base}-sealed`, 2);
      await s.connect();
      await assertSealKeepsAndRefuses(s);
      await s.close();
      const again = physical(`${base}-sealed`, 2);
      await again.connect(); // a sealed stream opens without trying to update it
      await again.close();
    });
  });
} else {
  it.skip(`reshard on JetStream (skipped: no NATS server on ${NATS_SERVERS}; set CI=true to fail instead)`, () => {});
}
