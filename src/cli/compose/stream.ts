/**
 * The composition root of the stream: turns the `stream` config section into a connected
 * Stream of the chosen backend. Role commands and `faresight up` call these; nothing
 * below `cli/` constructs a backend. Backends load their client libraries lazily, so the
 * embedded default never loads nats or the AWS SDK.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { DEAD_LETTER_STREAM } from '../../model/dead-letter.js';
import { STATS_STREAM } from '../../model/ingest-stats-row.js';
import type { Logger } from '../../ops/logger.js';
import { logWorkerEvents } from '../../ops/restarting-worker.js';
import { embeddedStreamBackend } from '../../stream/embedded/embedded-backend.js';
import { FileGenerationLog, type GenerationLog } from '../../stream/generations/generation-log.js';
import {
  GenerationalStream,
  type SealableStream,
} from '../../stream/generations/generational-stream.js';
import { jetstreamStreamBackend } from '../../stream/jetstream/jetstream-backend.js';
import { kinesisStreamBackend } from '../../stream/kinesis/kinesis-backend.js';
import type { Stream } from '../../stream/stream.js';
import type { StreamSettings } from '../../stream/stream-backend.js';
import { withCleanup } from '../../stream/with-cleanup.js';
import { openSqlClient } from './row-store.js';

/**
 * What opening a stream reads of the configuration: the `stream` section, `dataDir` (the
 * embedded databases) and `rowStore` (where Kinesis keeps its checkpoints).
 */
export type StreamRoomConfig = Pick<Config, 'dataDir' | 'stream' | 'rowStore'>;

/** Directory of the embedded stream databases. */
export function streamDir(config: Pick<Config, 'dataDir'>): string {
  return resolve(config.dataDir, 'stream');
}

/** Side streams beside the shopping stream, and their shard counts. */
export const SIDE_STREAMS = { [DEAD_LETTER_STREAM]: 1, [STATS_STREAM]: 1 } as const;

/**
 * Opens (connects) the configured stream `name` (default: the shopping stream; the side
 * streams of SIDE_STREAMS get their own shard count), stored as
 * `<stream.deploymentPrefix><name>`. The shopping stream on the embedded and JetStream
 * backends is a GenerationalStream, so `faresight stream reshard` can grow it while every
 * process keeps running (docs/stream.md).
 */
export async function openStream(
  config: StreamRoomConfig,
  logger: Logger,
  name = config.stream.name,
): Promise<Stream> {
  const s = config.stream;
  const stored = s.deploymentPrefix + name;
  const shards = (SIDE_STREAMS as Record<string, number>)[name] ?? s.shards;
  if (name !== s.name || s.backend === 'kinesis')
    return openBackendStream(config, logger, stored, shards, name);
  const log = logger.child('generations');
  const stream = new GenerationalStream({
    name: stored,
    shards,
    log: await openGenerationLog(config, stored),
    open: async (n, k) => {
      const physical = await openBackendStream(config, logger, n, k, n);
      if (!isSealable(physical))
        throw new Error(`stream backend ${s.backend} cannot seal a generation`);
      return physical;
    },
    drop: (n) => dropBackendStream(config, n),
    onRetire: (e) => {
      if (e.type === 'error') {
        log.warn('retiring a drained stream generation failed; retried at the next run', {
          stream: stored,
          error: e.error.message,
        });
        return;
      }
      const fields = {
        stream: stored,
        generation: e.generation.gen,
        deleted: e.stored,
        shards: `${e.generation.firstShard}..${e.generation.firstShard + e.generation.shards - 1}`,
        records: e.records,
        newest: e.newestTimestamp === undefined ? '-' : new Date(e.newestTimestamp).toISOString(),
      };
      if (e.unread.length === 0)
        log.info('stream generation retired: drained and past retention', fields);
      else
        log.warn('stream generation retired past retention with records some groups never read', {
          ...fields,
          unread: e.unread.map((u) => `${u.group}:${u.records}`).join(','),
        });
    },
  });
  await stream.connect();
  return stream;
}

/** Where the generations of the stream `stored` are listed: beside its checkpoints. */
async function openGenerationLog(config: StreamRoomConfig, stored: string): Promise<GenerationLog> {
  const s = config.stream;
  if (s.backend === 'jetstream') {
    const { KvGenerationLog } = await import('../../stream/jetstream/kv-generation-log.js');
    return KvGenerationLog.open(s.servers, stored);
  }
  mkdirSync(streamDir(config), { recursive: true });
  return new FileGenerationLog(resolve(streamDir(config), `${stored}.generations.json`));
}

/** Deletes the physical stream `stored` of a retired generation (embedded or JetStream). */
async function dropBackendStream(config: StreamRoomConfig, stored: string): Promise<void> {
  if (config.stream.backend === 'jetstream') {
    const { JetStreamStream } = await import('../../stream/jetstream/jetstream-stream.js');
    await JetStreamStream.drop(config.stream.servers, stored);
    return;
  }
  const { EmbeddedStream } = await import('../../stream/embedded/embedded-stream.js');
  EmbeddedStream.drop(streamDir(config), stored);
}

function isSealable(s: Stream): s is SealableStream {
  return typeof (s as Partial<SealableStream>).seal === 'function';
}

/**
 * Opens (connects) one physical stream of the configured backend, stored as `stored`;
 * `name` names it in logs and in the Kinesis checkpoint database's file.
 */
async function openBackendStream(
  config: StreamRoomConfig,
  logger: Logger,
  stored: string,
  shards: number,
  name: string,
): Promise<Stream> {
  const s = config.stream;
  const common: StreamSettings = {
    name: stored,
    shards,
    retentionMs: s.retentionHours * 3_600_000,
    dedupeWindowMs: s.dedupeWindowSeconds * 1000,
    maxPendingRecords: s.maxPendingRecords,
  };
  let stream: Stream;
  switch (s.backend) {
    case 'embedded':
      stream = await embeddedStreamBackend.create(
        common,
        {},
        {
          dir: streamDir(config),
          onWriterEvent: logWorkerEvents(logger, 'stream writer thread', 'starting a new one', {
            stream: name,
          }),
        },
      );
      break;
    case 'jetstream':
      stream = await jetstreamStreamBackend.create(common, s, {});
      break;
    case 'kinesis': {
      // Kinesis keeps no checkpoints: they live in a SQL checkpoint store (as the KCL keeps
      // its lease table), on PostgreSQL when the row store is, else a PGlite of their own.
      const { SqlCheckpointStore } = await import('../../stream/kinesis/sql-checkpoint-store.js');
      const client = await openSqlClient(
        config.rowStore,
        resolve(streamDir(config), `${name}-kinesis-checkpoints`),
      );
      const kinesis = await kinesisStreamBackend.create(common, s, {
        checkpoints: new SqlCheckpointStore(client),
      });
      stream = withCleanup(kinesis, () => client.close());
      break;
    }
  }
  await stream.connect();
  logger.debug('stream open', { backend: s.backend, name });
  return stream;
}

/** The shopping stream with the dead-letter and statistics streams, as ingest needs them. */
export async function openIngestStreams(
  config: StreamRoomConfig,
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
