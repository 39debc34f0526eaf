import { Counter, Histogram, type Registry } from 'prom-client';

/** Where a lake writer's attempt failed (each failure is retried, see source-writer.ts). */
export type LakeFailureStage = 'read' | 'write' | 'commit' | 'catalog' | 'dead_letters';

/** Prometheus metrics of a lake writer, updated by its consumer loops. */
export interface LakeMetrics {
  records: Counter<'source'>;
  badRecords: Counter<'source'>;
  files: Counter<'source' | 'table'>;
  bytes: Counter<'source' | 'table'>;
  writeSeconds: Histogram<'source'>;
  commitSeconds: Histogram<'source'>;
  failures: Counter<'source' | 'stage'>;
  fenced: Counter<'source' | 'at'>;
}

/** Seconds: a small file is staged and stored in tens of ms, a large one on S3 in seconds. */
const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Registers the lake writer's metrics on `registry` (all labelled by `source`: `shopping`,
 * `stats`, `deadLetters`): `faresight_lake_records_written_total` (records now durable in
 * the lake), `faresight_lake_bad_records_total`, `faresight_lake_files_written_total` and
 * `faresight_lake_bytes_written_total` (per table, Parquet bytes stored),
 * `faresight_lake_write_seconds` (one closed buffer staged and stored, all its tables),
 * `faresight_lake_commit_seconds` (a stream checkpoint),
 * `faresight_lake_failures_total{stage}` (attempts that failed and will be retried), and
 * `faresight_lake_fenced_total{at}` (scale-out: a file `publish`, a `commit` or a `read`
 * refused by the lease because the shard moved to another process).
 * Throws when the registry already holds them (one lake writer per registry).
 */
export function registerLakeMetrics(registry: Registry): LakeMetrics {
  const registers = [registry];
  return {
    records: new Counter({
      name: 'faresight_lake_records_written_total',
      help: 'Records now held durably in the lake (replayed ones found already stored included)',
      labelNames: ['source'] as const,
      registers,
    }),
    badRecords: new Counter({
      name: 'faresight_lake_bad_records_total',
      help: 'Records the lake writer could not decode, place or write (skipped and dead-lettered)',
      labelNames: ['source'] as const,
      registers,
    }),
    files: new Counter({
      name: 'faresight_lake_files_written_total',
      help: 'Parquet files stored by the lake writer',
      labelNames: ['source', 'table'] as const,
      registers,
    }),
    bytes: new Counter({
      name: 'faresight_lake_bytes_written_total',
      help: 'Bytes of Parquet stored by the lake writer',
      labelNames: ['source', 'table'] as const,
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'faresight_lake_write_seconds',
      help: 'Time to stage and store one closed buffer (every table of it)',
      labelNames: ['source'] as const,
      buckets: BUCKETS,
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'faresight_lake_commit_seconds',
      help: 'Time to commit one stream batch (the checkpoint) once its files are durable',
      labelNames: ['source'] as const,
      buckets: BUCKETS,
      registers,
    }),
    failures: new Counter({
      name: 'faresight_lake_failures_total',
      help: 'Lake writer attempts that failed and are retried, by stage',
      labelNames: ['source', 'stage'] as const,
      registers,
    }),
    fenced: new Counter({
      name: 'faresight_lake_fenced_total',
      help: 'Publishes, commits or reads refused by the shard lease (what was buffered is dropped; the new owner writes it)',
      labelNames: ['source', 'at'] as const,
      registers,
    }),
  };
}
