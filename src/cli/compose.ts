/**
 * The composition root: the one place that turns configuration into concrete backends.
 * Role commands and `faresight up` call these factories; nothing else constructs a
 * backend. Scale-out backends are imported lazily so the embedded default never loads
 * their client libraries.
 */
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { DEAD_LETTER_STREAM } from '../ingest/dead-letter.js';
import { STATS_STREAM } from '../ingest/ingest-stats.js';
import type { Logger } from '../ops/logger.js';
import type { LakeQuery } from '../query/lake-query.js';
import type { SqlClient } from '../serving/sql-client.js';
import { EmbeddedStream } from '../stream/embedded/embedded-stream.js';
import type { Stream } from '../stream/stream.js';
import { withCleanup } from '../stream/with-cleanup.js';

/** Directory of the embedded stream databases. */
export function streamDir(config: Config): string {
  return resolve(config.dataDir, 'stream');
}

/** Side streams beside the shopping stream, and their shard counts. */
export const SIDE_STREAMS = { [DEAD_LETTER_STREAM]: 1, [STATS_STREAM]: 1 } as const;

/**
 * Opens (connects) the configured stream `name` (default: the shopping stream; the side
 * streams of SIDE_STREAMS get their own shard count), stored as
 * `<stream.deploymentPrefix><name>`.
 */
export async function openStream(
  config: Config,
  logger: Logger,
  name = config.stream.name,
): Promise<Stream> {
  const common = {
    name: config.stream.deploymentPrefix + name,
    shards: (SIDE_STREAMS as Record<string, number>)[name] ?? config.stream.shards,
    retentionMs: config.stream.retentionHours * 3_600_000,
    dedupeWindowMs: config.stream.dedupeWindowSeconds * 1000,
    maxPendingRecords: config.stream.maxPendingRecords,
  };
  let stream: Stream;
  switch (config.stream.backend) {
    case 'embedded':
      stream = new EmbeddedStream({
        dir: streamDir(config),
        ...common,
        onWriterEvent: (e) => {
          if (e.type === 'failed')
            logger.error('stream writer thread died; starting a new one', {
              stream: name,
              error: e.error.message,
              attempt: e.attempt,
              inMs: e.delayMs,
            });
          else
            logger.info('stream writer thread restarted', { stream: name, restarts: e.restarts });
        },
      });
      break;
    case 'jetstream': {
      const { JetStreamStream } = await import('../stream/jetstream/jetstream-stream.js');
      stream = new JetStreamStream({ servers: config.stream.jetstreamServers, ...common });
      break;
    }
    case 'kinesis': {
      // Kinesis keeps no checkpoints: they live in a SQL checkpoint store (as the KCL keeps
      // its lease table), on PostgreSQL when the row store is, else a PGlite of their own.
      const { KinesisStream } = await import('../stream/kinesis/kinesis-stream.js');
      const { SqlCheckpointStore } = await import('../stream/kinesis/sql-checkpoint-store.js');
      const client = await openCheckpointClient(config, name);
      const kinesis = new KinesisStream({
        ...common,
        region: config.stream.kinesisRegion,
        ...(config.stream.kinesisEndpoint ? { endpoint: config.stream.kinesisEndpoint } : {}),
        checkpoints: new SqlCheckpointStore(client),
      });
      stream = withCleanup(kinesis, () => client.close());
      break;
    }
  }
  await stream.connect();
  logger.debug('stream open', { backend: config.stream.backend, name });
  return stream;
}

/** The shopping stream with the dead-letter and statistics streams, as ingest needs them. */
export async function openIngestStreams(
  config: Config,
  logger: Logger,
): Promise<{ stream: Stream; deadLetters: Stream; statsStream: Stream; close(): Promise<void> }> {
  const stream = await openStream(config, logger);
  const deadLetters = await openStream(config, logger, DEAD_LETTER_STREAM);
  const statsStream = await openStream(config, logger, STATS_STREAM);
  return {
    stream,
    deadLetters,
    statsStream,
    close: async () => {
      await Promise.all([stream.close(), deadLetters.close(), statsStream.close()]);
    },
  };
}

/** The SQL database holding Kinesis checkpoints for stream `name`. */
async function openCheckpointClient(config: Config, name: string): Promise<SqlClient> {
  if (config.rowStore.backend === 'postgres') {
    const { PostgresClient } = await import('../serving/postgres/postgres-client.js');
    return new PostgresClient({ connectionString: config.rowStore.postgresUrl });
  }
  const { PGliteClient } = await import('../serving/pglite/pglite-client.js');
  return PGliteClient.open({ dir: resolve(streamDir(config), `${name}-kinesis-checkpoints`) });
}

/**
 * SQL over the lake: DuckDB over the local files (with `includeArchive`, the archive tier
 * too), or, for an S3 lake, over the files a query needs fetched into the bounded local
 * cache. Closing it closes the store too.
 */
export async function openLake(
  config: Config,
  options: { includeArchive?: boolean } = {},
): Promise<LakeQuery> {
  if (config.lake.objectStore !== 's3') {
    const { openLakeQuery } = await import('../query/open-lake-query.js');
    return openLakeQuery({ dataDir: config.dataDir, includeArchive: options.includeArchive });
  }
  if (options.includeArchive)
    throw new Error(
      'an S3 lake has no archive tier of its own: its old objects change storage class in place ' +
        '(Glacier Deep Archive objects must be restored before any engine can read them); ' +
        '--include-archive applies to a local lake',
    );
  const { openObjectStore } = await import('../lake/object-store/open-object-store.js');
  const { openRemoteLakeQuery } = await import('../query/remote/remote-lake-query.js');
  const store = await openObjectStore(config);
  const lake = await openRemoteLakeQuery({
    store,
    cacheDir: config.lake.cacheDir || join(config.dataDir, 'cache', 'lake'),
    cacheMaxBytes: config.lake.cacheMaxBytes,
  });
  const close = lake.close.bind(lake);
  lake.close = async () => {
    try {
      await close();
    } finally {
      await store.close();
    }
  };
  return lake;
}
