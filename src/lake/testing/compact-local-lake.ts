import { silentLogger } from '../../ops/logger.js';
import { type CompactionReport, compactLake } from '../compaction/compact-lake.js';
import { DuckDBParquetMerger } from '../duckdb/duckdb-parquet-merger.js';
import { LocalObjectStore } from '../object-store/local/local-object-store.js';

/**
 * Compacts the local lake at `root` as `faresight lake compact` does, at once: every
 * partition closed by `now` (epoch ms), no grace before the sources are deleted, merged
 * files at zstd `compressionLevel`. For tests and benches.
 */
export async function compactLocalLake(
  root: string,
  options: { compressionLevel: number; stagingDir: string; now: number },
): Promise<CompactionReport> {
  const merger = await DuckDBParquetMerger.open({ compressionLevel: options.compressionLevel });
  try {
    return await compactLake({
      store: new LocalObjectStore(root),
      merger,
      stagingDir: options.stagingDir,
      logger: silentLogger,
      graceMs: 0,
      now: () => options.now,
    });
  } finally {
    await merger.close();
  }
}
