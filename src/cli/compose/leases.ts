/**
 * The composition root of shard leases (consumers.leases): the lease store beside the
 * stream's checkpoints, and the consumer factory the real-time runner uses with it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../../config/config.js';
import type { Logger } from '../../ops/logger.js';
import { openEmbeddedLeaseStore } from '../../stream/embedded/embedded-lease-sql.js';
import { GenerationalStream } from '../../stream/generations/generational-stream.js';
import type { LeaseStore } from '../../stream/lease/lease-store.js';
import { LeasedConsumer } from '../../stream/lease/leased-consumer.js';
import { SqlLeaseStore } from '../../stream/lease/sql-lease-store.js';
import type { BatchPolicy, Consumer, Stream } from '../../stream/stream.js';
import { openSqlClient } from './row-store.js';
import { streamDir } from './stream.js';

/** This process's id in every consumer group it joins: host, pid and a random part. */
export function memberId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** What opening a lease store reads of the configuration. */
export type LeaseConfig = Pick<Config, 'dataDir' | 'stream' | 'rowStore' | 'consumers'>;

/**
 * Opens the lease store of the stream `name` (as stored, prefix included), beside its
 * checkpoints: its own SQLite database for the embedded stream, the KV bucket
 * `<name>-leases` for JetStream, the SQL lease store on the PostgreSQL of the Kinesis
 * checkpoints for Kinesis (the database its fenced commits check). Throws naming the
 * setting to change when Kinesis's checkpoints are in a PGlite (one process only).
 */
export async function openLeaseStore(config: LeaseConfig, name: string): Promise<LeaseStore> {
  switch (config.stream.backend) {
    case 'embedded':
      return openEmbeddedLeaseStore(streamDir(config), name);
    case 'jetstream': {
      // nats is loaded only when JetStream is configured
      const { openKvLeaseStore } = await import('../../stream/jetstream/kv-lease-store.js');
      return openKvLeaseStore(config.stream.servers);
    }
    case 'kinesis': {
      // the Kinesis checkpoints' database: PostgreSQL when the row store is (any number of
      // processes); a PGlite of their own otherwise, which only one process may open
      if (config.rowStore.backend !== 'postgres')
        throw new Error(
          `consumers.leases on stream.backend=kinesis keeps the leases beside the Kinesis checkpoints, in PostgreSQL: set rowStore.backend=postgres (rowStore.backend=${config.rowStore.backend} keeps them in a PGlite only one process can open), or set consumers.leases=false`,
        );
      const client = await openSqlClient(config.rowStore, '');
      return new SqlLeaseStore(client, () => client.close());
    }
  }
}

/**
 * A consumer factory for the real-time runner that joins each group as one member and
 * reads only the shards it leases. Lease stores are opened per stream and closed with
 * `close()`.
 */
export function leasedConsumers(config: LeaseConfig, logger: Logger) {
  const owner = memberId();
  const stores = new Map<string, Promise<LeaseStore>>();
  const storeOf = (name: string) => {
    let s = stores.get(name);
    if (!s) {
      s = openLeaseStore(config, name);
      s.catch(() => stores.delete(name));
      stores.set(name, s);
    }
    return s;
  };
  const log = logger.child('leases');
  log.info('consumer groups share shards by lease', {
    owner,
    leaseSeconds: config.consumers.leaseSeconds,
  });
  return {
    owner,
    async open(source: Stream, group: string, policy: BatchPolicy): Promise<Consumer> {
      const leased = async (s: Stream) =>
        LeasedConsumer.open(s, group, policy, {
          store: await storeOf(s.name),
          owner,
          ttlMs: config.consumers.leaseSeconds * 1000,
          onEvent: (g, e) => {
            if (e.type === 'error')
              log.warn('lease renewal failed', { group: g, error: e.error.message });
            else log.info(`shards ${e.type}`, { group: g, shards: e.shards.join(',') });
          },
        });
      // a resharded stream: each generation's shards are leased on their own
      if (source instanceof GenerationalStream) return source.consumerWith(group, leased);
      return leased(source);
    },
    async close(): Promise<void> {
      const all = await Promise.allSettled(stores.values());
      for (const r of all) if (r.status === 'fulfilled') await r.value.close();
    },
  };
}
