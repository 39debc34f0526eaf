import { Counter, Histogram, type Registry } from 'prom-client';
import type { CompactionReport } from './compact-lake.js';

/** Prometheus metrics of scheduled compaction runs (`up` and the lake role). */
export interface CompactionMetrics {
  /** A run that ended with `report` after `seconds`. */
  ran(report: CompactionReport, seconds: number): void;
  /** A run that failed after `seconds` (the next run retries). */
  failed(seconds: number): void;
}

/** Seconds: a run over a few closed partitions takes seconds, the demo's history a minute or more. */
const BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800];

/**
 * Registers the compaction metrics on `registry`:
 * `faresight_lake_compaction_runs_total{outcome}` (`ok`, `failed`),
 * `faresight_lake_compaction_run_seconds` (histogram; a run includes its wait before it
 * deletes the merged sources), `faresight_lake_compaction_partitions_total` (partitions
 * merged), `faresight_lake_compaction_files_total{direction}` and `_bytes_total{direction}`
 * (`in`: the small files merged, `out`: the files written), `_sources_deleted_total`, and
 * `faresight_lake_compaction_merges_over_limit_total` (merges that needed more than the
 * merger's memory limit and ran again at a higher one: what takes a process past its usual
 * footprint). Throws when the registry already holds them.
 */
export function registerCompactionMetrics(registry: Registry): CompactionMetrics {
  const registers = [registry];
  const runs = new Counter({
    name: 'faresight_lake_compaction_runs_total',
    help: 'Scheduled compaction runs, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const seconds = new Histogram({
    name: 'faresight_lake_compaction_run_seconds',
    help: 'Time of one compaction run, its wait before deleting the merged sources included',
    buckets: BUCKETS,
    registers,
  });
  const partitions = new Counter({
    name: 'faresight_lake_compaction_partitions_total',
    help: 'Partitions whose small files compaction merged',
    registers,
  });
  const files = new Counter({
    name: 'faresight_lake_compaction_files_total',
    help: 'Files compaction merged (in) and wrote (out)',
    labelNames: ['direction'] as const,
    registers,
  });
  const bytes = new Counter({
    name: 'faresight_lake_compaction_bytes_total',
    help: 'Bytes of the files compaction merged (in) and wrote (out)',
    labelNames: ['direction'] as const,
    registers,
  });
  const deleted = new Counter({
    name: 'faresight_lake_compaction_sources_deleted_total',
    help: 'Merged source files compaction deleted after its grace wait',
    registers,
  });
  const overLimit = new Counter({
    name: 'faresight_lake_compaction_merges_over_limit_total',
    help: "Merges that needed more than the merger's memory limit and ran again at a higher one",
    registers,
  });
  // every series from the start, so a rate or an alert has a zero to start from
  for (const outcome of ['ok', 'failed']) runs.inc({ outcome }, 0);
  for (const direction of ['in', 'out']) {
    files.inc({ direction }, 0);
    bytes.inc({ direction }, 0);
  }
  return {
    ran(report, s) {
      runs.inc({ outcome: 'ok' });
      seconds.observe(s);
      partitions.inc(report.partitions);
      files.inc({ direction: 'in' }, report.filesIn);
      files.inc({ direction: 'out' }, report.filesOut);
      bytes.inc({ direction: 'in' }, report.bytesIn);
      bytes.inc({ direction: 'out' }, report.bytesOut);
      deleted.inc(report.deleted);
      overLimit.inc(report.mergesOverLimit);
    },
    failed(s) {
      runs.inc({ outcome: 'failed' });
      seconds.observe(s);
    },
  };
}
