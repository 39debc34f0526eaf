/**
 * Compaction on a timer, as `faresight up` and the lake role run it: every `everyMs`,
 * the closed partitions of the lake are compacted (and, with `currentHour`, what the
 * current hour gained since the last run), so the small files the writer leaves do not
 * pile up until someone runs `lake compact`.
 */
import * as path from 'node:path';
import type { Logger } from '../../ops/logger.js';
import type { Service } from '../../ops/service.js';
import { startMergerThread } from '../duckdb/merger-thread.js';
import type { ObjectStore } from '../object-store/object-store.js';
import { type CompactionReport, compactLake } from './compact-lake.js';
import type { CompactionMetrics } from './compaction-metrics.js';

/**
 * Longest `stop()` waits for a run in progress, ms: a run cut short leaves files readers
 * ignore and the next run removes, and shutdown has a deadline of its own.
 */
export const STOP_WAIT_MS = 10_000;

/**
 * Longest wait for the first run after start, ms. Closed partitions of small files are
 * there from the start after a restart, or after the demo's history (10,700 files of a
 * few records each), and every scan pays for them: the ETL's first runs over them took
 * DuckDB to 2.2 GB RSS, over the same records compacted to 1,136 files 0.9 GB.
 */
export const FIRST_RUN_AFTER_MS = 2 * 60_000;

export interface CompactionScheduleOptions {
  store: ObjectStore;
  /** Data directory: merges are staged under `<dataDir>/tmp/compact`. */
  dataDir: string;
  /** zstd level of merged files (`lake.compactCompressionLevel`). */
  compressionLevel: number;
  logger: Logger;
  /** Period between the end of one run and the start of the next, ms (> 0). */
  everyMs: number;
  /** Wait for the first run, ms; default the shorter of everyMs and FIRST_RUN_AFTER_MS. */
  firstAfterMs?: number;
  /**
   * Partitions the lake writer wrote to within this many ms are left (compactLake's
   * `quietMs`), and the next run comes this long after (plus a little) rather than
   * `everyMs` after, so they are merged once the writer has moved on. Default 0.
   */
  quietMs?: number;
  /**
   * Also merge the current hour's files as they come (compactLake's `currentHour`), once
   * it holds `currentHourMinFiles` new ones (default DEFAULT_CURRENT_HOUR_MIN_FILES). Default false.
   */
  currentHour?: boolean;
  currentHourMinFiles?: number;
  /** Wait before merged sources are deleted; default compactLake's DEFAULT_GRACE_MS. */
  graceMs?: number;
  /** Metrics of the runs (registerCompactionMetrics); none when absent. */
  metrics?: CompactionMetrics;
  /** Called after each run (tests wait on it). */
  onRun?: (report: CompactionReport) => void;
}

/**
 * Starts the timer; the first run is `firstAfterMs` after the start, each next one
 * `everyMs` after the end of the one before. Runs never overlap; a
 * failed run is logged and the next one tries again. `stop()` cancels the timer, tells a
 * run in progress to stop after its current partition (a run over hundreds of partitions
 * went on for minutes after `up` had stopped everything else), and waits for it up to
 * STOP_WAIT_MS.
 */
export function startCompactionSchedule(o: CompactionScheduleOptions): Service {
  let stopped = false;
  const stopping = new AbortController();
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const quietMs = o.quietMs ?? 0;
  /** Wait before the next run: sooner when a run left partitions that were still being written. */
  let nextAfterMs = o.everyMs;
  const run = async () => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let report: CompactionReport;
    try {
      report = await runOnce();
    } catch (err) {
      o.metrics?.failed(seconds());
      throw err;
    }
    o.metrics?.ran(report, seconds());
    o.onRun?.(report);
  };
  const runOnce = async (): Promise<CompactionReport> => {
    // On a thread of its own, started per run: closing DuckDB's instance blocks the
    // thread it runs on (0.24-0.67 s each), and `up` serves the API on this one.
    const merger = await startMergerThread({
      compressionLevel: o.compressionLevel,
      spillDir: path.join(o.dataDir, 'tmp', 'compact-spill'),
    });
    try {
      const report = await compactLake({
        store: o.store,
        merger,
        stagingDir: path.join(o.dataDir, 'tmp', 'compact'),
        logger: o.logger,
        signal: stopping.signal,
        quietMs,
        ...(o.currentHour ? { currentHour: true } : {}),
        ...(o.currentHourMinFiles !== undefined
          ? { currentHourMinFiles: o.currentHourMinFiles }
          : {}),
        ...(o.graceMs !== undefined ? { graceMs: o.graceMs } : {}),
      });
      if (report.partitions > 0)
        o.logger.info('compaction run', {
          partitions: report.partitions,
          filesIn: report.filesIn,
          filesOut: report.filesOut,
          deleted: report.deleted,
        });
      const writing = report.left.filter((l) => l.reason.startsWith('written to')).length;
      if (writing > 0)
        o.logger.info('compaction left partitions still being written', {
          partitions: writing,
          quietMs,
        });
      // a second of slack: the quiet period counts from the newest file's time
      nextAfterMs = writing > 0 ? Math.min(o.everyMs, quietMs + 1000) : o.everyMs;
      return report;
    } finally {
      await merger.close();
    }
  };
  const schedule = (afterMs = o.everyMs) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run()
        .catch((err: Error) =>
          o.logger.error('compaction run failed, next run retries', { error: err.message }),
        )
        .finally(() => schedule(nextAfterMs));
    }, afterMs);
  };
  schedule(o.firstAfterMs ?? Math.min(o.everyMs, FIRST_RUN_AFTER_MS));
  return {
    name: 'compaction',
    async stop() {
      stopped = true;
      stopping.abort();
      if (timer) clearTimeout(timer);
      let cap: NodeJS.Timeout | undefined;
      const capped = new Promise<void>((r) => {
        cap = setTimeout(() => {
          o.logger.warn('stopping during a compaction run; the next run cleans up after it');
          r();
        }, STOP_WAIT_MS);
      });
      await Promise.race([running, capped]);
      clearTimeout(cap);
    },
  };
}
