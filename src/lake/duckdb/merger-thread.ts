/**
 * The DuckDB Parquet merger on a worker thread of its own (src/ops/object-thread.ts), as
 * the compaction schedule of `up` and the lake role uses it: the synchronous close of a
 * merger's DuckDB instance, every MERGES_PER_INSTANCE merges, took 0.24-0.67 s of the
 * main event loop each time. A merge the thread could not answer rejects with
 * MergerThreadError and its partition is left for the next run.
 */
import { ObjectThread } from '../../ops/object-thread.js';
import type { RestartOptions } from '../../ops/restarting-worker.js';
import { siblingModule } from '../../ops/spawn-worker.js';
import type { ParquetMerger } from '../compaction/parquet-merger.js';
import type { DuckDBParquetMerger } from './duckdb-parquet-merger.js';

/** The merger's thread died, is restarting or is closed: not the partition's fault. */
export class MergerThreadError extends Error {
  override name = 'MergerThreadError';
}

/** Starts the thread with a DuckDBParquetMerger opened with `options` (see DuckDBParquetMerger.open). */
export async function startMergerThread(
  options: Parameters<typeof DuckDBParquetMerger.open>[0] = {},
  restart: RestartOptions<MergerThreadError> = {},
): Promise<ParquetMerger> {
  const t = await ObjectThread.start<DuckDBParquetMerger, MergerThreadError>({
    ...restart,
    module: siblingModule(import.meta.url, 'duckdb-parquet-merger'),
    factory: 'DuckDBParquetMerger.open',
    args: [options],
    label: 'the merger thread',
    error: MergerThreadError,
  });
  return {
    merge: (sources, target, orderBy) => t.call('merge', sources, target, orderBy),
    release: () => t.call('release'),
    close: () => t.close(),
  };
}
