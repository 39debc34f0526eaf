/**
 * The lake writer: consumes the shopping stream (group `lake`) and, when given, the
 * ingest side streams (`ingest-stats`, `dead-letters`, each with its own `lake` consumer),
 * and writes the tables `searches` and `offers`, `ingest_stats`, `dead_letters` as Parquet
 * in the Hive layout, exactly once. One service; on each stream it runs the consumer loop
 * every consumer of the stream runs (stream/consumer/consumer-loop.ts: read, decode,
 * retry, dead-letter, commit, restart after a crash) with a SourceWriter as its sink.
 *
 * - Records are buffered per (vendor, dt, hour) partition and shard. A buffer becomes a
 *   file once the shard's record time (receivedAt; periodStart for statistics) has moved
 *   into a later window of `lake.rotateSeconds` (aligned to the epoch) and the buffer has
 *   been open `rotateSeconds` of wall clock (so a backlog crossing many windows in seconds
 *   makes one file per partition, not one per window), when it reaches `lake.rotateBytes`
 *   of encoded records, or, so a quiet stream still flushes, when the wall clock is more
 *   than `rotateSeconds` past the newest record's arrival in the buffer.
 *   Open buffers of all partitions together hold at most `lake.maxOpenBytes`: past it the
 *   largest close first, so a batch spanning hundreds of partitions stays bounded.
 * - A file is named `<shard>-<firstSeq>-<lastSeq>.parquet` and holds every record of its
 *   partition and shard in that seq range. Before writing, the partition is resolved
 *   (small files plus the compacted files of its manifest) and records already held are
 *   dropped, so a crash, a replay or a compaction never leads to a record stored twice.
 * - A record the writer cannot decode, place or write (found by halving a failing file
 *   write, see write-skipping-bad.ts) is skipped with a log line and sent to the
 *   dead-letter stream when there is one.
 * - The catalog (`_catalog/catalog.json`) learns each partition and schema version as
 *   files land; it is saved before the batch that produced them is committed.
 * - A stream batch is committed only once all its records, and those of every earlier
 *   batch, are in durable files (or were rejected).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../ops/logger.js';
import { logWorkerEvents } from '../ops/restarting-worker.js';
import type { Service } from '../ops/service.js';
import type { BatchPolicy } from '../stream/batch-policy.js';
import {
  type LoopHooks,
  type LoopStage,
  runConsumerLoop,
} from '../stream/consumer/consumer-loop.js';
import { newLoopStats } from '../stream/consumer/consumer-sink.js';
import type { Consumer, Stream } from '../stream/stream.js';
import { registerStreamLagMetrics } from '../stream/stream-lag-metrics.js';
import { Catalog } from './catalog/catalog.js';
import { DuckDBParquetWriter } from './duckdb/duckdb-parquet-writer.js';
import { DEFAULT_MAX_OPEN_BYTES, DEFAULT_STOP_FLUSH_MS } from './lake-defaults.js';
import { type LakeFailureStage, type LakeMetrics, registerLakeMetrics } from './lake-metrics.js';
import type { ObjectStore } from './object-store/object-store.js';
import type { ParquetWriter } from './parquet-writer.js';
import {
  LAKE_RETRY,
  type SharedLakeState,
  type SourceCounters,
  SourceWriter,
  stagingName,
} from './source-writer.js';
import type { LakeSource } from './tables.js';

/** Consumer group of the lake writer (on every stream it reads). */
export const LAKE_GROUP = 'lake';

/** Counters of a running lake writer: the sum over its streams, and per stream. */
export interface LakeWriterStats extends SourceCounters {
  bySource: Partial<Record<LakeSource, SourceCounters>>;
}

/**
 * A running lake writer. `stop()` flushes every buffer (for at most `stopFlushMs`),
 * commits what is stored, and resolves.
 */
export interface LakeWriter extends Service {
  stats(): LakeWriterStats;
}

/** The writer's slice of the configuration (declared here so that lake imports no config). */
export interface LakeWriterConfig {
  readonly dataDir: string;
  readonly lake: {
    readonly rotateSeconds: number;
    readonly rotateBytes: number;
    /** Default DEFAULT_MAX_OPEN_BYTES. */
    readonly maxOpenBytes?: number;
    readonly batch: BatchPolicy;
    readonly compressionLevel: number;
  };
}

export interface LakeWriterOptions {
  /** The connected shopping stream; the writer opens its own consumer and never closes the stream. */
  stream: Stream;
  /**
   * Ingest's side streams, connected. `stats` fills table `ingest_stats`; `deadLetters`
   * fills table `dead_letters` and also receives the records the writer cannot store.
   * Default none (only `searches` and `offers` are written).
   */
  sideStreams?: { deadLetters?: Stream; stats?: Stream };
  /** What the writer reads of the configuration: `dataDir` and part of `lake` (a Config fits). */
  config: LakeWriterConfig;
  logger: Logger;
  /** Where files go (the composition root opens the configured one). */
  store: ObjectStore;
  /** Default a DuckDBParquetWriter staging under `<dataDir>/tmp/lake`. */
  parquet?: ParquetWriter;
  /** Consumer group; default LAKE_GROUP. */
  group?: string;
  /** Wall clock, for the idle flush and the catalog; default Date.now. */
  now?: () => number;
  /**
   * Longest `stop()` writes files for, ms [DEFAULT_STOP_FLUSH_MS]: what is still buffered
   * then is left uncommitted on the stream and written after the next start.
   */
  stopFlushMs?: number;
  /**
   * Where to register the writer's Prometheus metrics (registerLakeMetrics) and the lag of
   * every consumer group of its streams (registerStreamLagMetrics); none without.
   */
  registry?: Registry;
  /**
   * Opens the consumer of the writer's group on each stream [stream.consumer(group,
   * policy)]. Scale-out passes one that reads only the shards this process leases
   * (LeasedConsumer): files are then named with the lease epoch and published only while
   * the lease holds (see source-writer.ts).
   */
  openConsumer?: (stream: Stream, group: string, policy: BatchPolicy) => Promise<Consumer>;
}

/** Starts a lake writer; resolves once its consumers are open. */
export async function startLakeWriter(options: LakeWriterOptions): Promise<LakeWriter> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const log = options.logger.child('lake');
  const { store } = options;
  const stagingDir = path.join(config.dataDir, 'tmp', 'lake');
  await fs.mkdir(stagingDir, { recursive: true });
  const parquet =
    options.parquet ??
    (await DuckDBParquetWriter.open({
      stagingDir,
      compressionLevel: config.lake.compressionLevel,
      onStagingThreadEvent: logWorkerEvents(
        log,
        'staging thread',
        'staging inline until a new one is up',
      ),
    }));
  const ownsParquet = options.parquet === undefined;
  const group = options.group ?? LAKE_GROUP;
  try {
    const catalog = await Catalog.loadOrScan(store, now);
    let saving: Promise<void> = Promise.resolve();
    let staged = 0;
    const deadLetterStream = options.sideStreams?.deadLetters;
    const shared: SharedLakeState = {
      store,
      catalog,
      stagingDir,
      rotateMs: config.lake.rotateSeconds * 1000,
      rotateBytes: config.lake.rotateBytes,
      maxOpenBytes: config.lake.maxOpenBytes ?? DEFAULT_MAX_OPEN_BYTES,
      now,
      parquet,
      saveCatalog: () => {
        saving = saving.catch(() => undefined).then(() => catalog.save(store));
        return saving;
      },
      appendDeadLetters: deadLetterStream
        ? async (records) => {
            await deadLetterStream.append(records);
          }
        : undefined,
      nextStagingName: (table) => stagingName(stagingDir, ++staged, table),
      ...(options.registry ? { metrics: registerLakeMetrics(options.registry) } : {}),
    };
    const sources: [LakeSource, Stream | undefined][] = [
      ['shopping', options.stream],
      ['stats', options.sideStreams?.stats],
      ['deadLetters', options.sideStreams?.deadLetters],
    ];
    const openConsumer =
      options.openConsumer ?? ((s: Stream, g: string, p: BatchPolicy) => s.consumer(g, p));
    const opened: [LakeSource, Stream, Consumer][] = [];
    try {
      for (const [source, stream] of sources) {
        if (!stream) continue;
        opened.push([source, stream, await openConsumer(stream, group, config.lake.batch)]);
      }
    } catch (err) {
      await Promise.allSettled(opened.map(([, , c]) => c.close()));
      throw err;
    }
    if (options.registry)
      registerStreamLagMetrics(
        options.registry,
        sources.flatMap(([, stream]) => (stream ? [stream] : [])),
      );
    const abort = new AbortController();
    const loops = opened.map(([source, stream, first]): SourceLoop => {
      const sink = new SourceWriter(source, shared, log.child(source));
      const done = runConsumerLoop({
        sink,
        openConsumer: () => openConsumer(stream, group, config.lake.batch),
        first,
        stats: newLoopStats(group),
        signal: abort.signal,
        retry: LAKE_RETRY,
        attemptsBeforeBisect: ATTEMPTS_BEFORE_BISECT,
        logger: log.child(source),
        stopFlushMs: options.stopFlushMs ?? DEFAULT_STOP_FLUSH_MS,
        ...(shared.metrics ? { hooks: lakeHooks(shared.metrics, source) } : {}),
      });
      // Rejected only at stop; observed there.
      done.catch(() => undefined);
      return { sink, done };
    });
    return new CompositeLakeWriter(loops, abort, ownsParquet ? parquet : undefined, log);
  } catch (err) {
    if (ownsParquet) await parquet.close();
    throw err;
  }
}

/**
 * Failed attempts of a whole batch before the loop bisects it: never reached, as buffering
 * a batch does not fail (a failing file write bisects itself, see write-skipping-bad.ts).
 */
const ATTEMPTS_BEFORE_BISECT = 3;

/** The lake's failure stage of each stage of the loop; the sink counts its own write, catalog and dead-letter failures. */
const FAILURE_STAGES: Record<LoopStage, LakeFailureStage | undefined> = {
  open: 'read',
  read: 'read',
  'dead-letter': 'dead_letters',
  process: 'write',
  prepare: undefined,
  commit: 'commit',
};

/** The loop's events as the lake writer's metrics. */
function lakeHooks(metrics: LakeMetrics, source: LakeSource): LoopHooks {
  return {
    failure: (stage) => {
      const s = FAILURE_STAGES[stage];
      if (s) metrics.failures.inc({ source, stage: s });
    },
    committed: (_records, seconds) => metrics.commitSeconds.observe({ source }, seconds),
  };
}

/** The consumer loop of one source: its sink and the promise that settles when it ends. */
interface SourceLoop {
  readonly sink: SourceWriter;
  readonly done: Promise<void>;
}

class CompositeLakeWriter implements LakeWriter {
  readonly name = 'lake';

  constructor(
    private readonly loops: readonly SourceLoop[],
    private readonly abort: AbortController,
    private readonly ownedParquet: ParquetWriter | undefined,
    private readonly log: Logger,
  ) {}

  stats(): LakeWriterStats {
    const total: LakeWriterStats = { records: 0, files: 0, read: 0, badRecords: 0, bySource: {} };
    for (const { sink: l } of this.loops) {
      const c = { ...l.counters };
      total.bySource[l.source] = c;
      total.records += c.records;
      total.files += c.files;
      total.read += c.read;
      total.badRecords += c.badRecords;
      if (c.lastFileAt !== undefined && (total.lastFileAt ?? 0) < c.lastFileAt)
        total.lastFileAt = c.lastFileAt;
    }
    return total;
  }

  /**
   * Stops every loop (each flushes its buffers and commits); rejects with the first
   * failure after all have stopped.
   */
  async stop(): Promise<void> {
    const started = performance.now();
    this.abort.abort();
    const results = await Promise.allSettled(this.loops.map((l) => l.done));
    const loopsDone = performance.now();
    await this.ownedParquet?.close();
    // with the platform's `stopped service=lake ms=...`: which part of the stop took it
    this.log.info('lake writer stopped', {
      loopsMs: Math.round(loopsDone - started),
      stagingCloseMs: Math.round(performance.now() - loopsDone),
    });
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}
