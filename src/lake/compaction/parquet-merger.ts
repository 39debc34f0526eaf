/**
 * Merges Parquet files of one partition into one file, for compaction. The engine
 * (DuckDB) stays in its implementation folder (`../duckdb/`).
 */

export interface ParquetMerger {
  /**
   * Writes every row of `sources` (local paths, read by column name so files of older
   * schema versions merge with newer ones) to the local file `target`, zstd-compressed,
   * sorted by `orderBy`. Resolves with the number of rows once the file is complete (not
   * fsynced: the object store does that). `overLimit`: the merge needed more than the
   * merger's memory limit and ran again at the limit named (`none`: without one).
   * `concatenated`: the sources' key ranges did not overlap, so they were written one
   * after the other in key order, without a sort.
   */
  merge(
    sources: readonly string[],
    target: string,
    orderBy: readonly string[],
  ): Promise<{ rows: number; overLimit?: string; concatenated?: true }>;
  /**
   * Hands back the memory the merges so far hold (DuckDB keeps much of what a merge took
   * until its instance closes); the merger stays usable. compactLake calls it once its
   * merges are done, before the grace wait.
   */
  release(): Promise<void>;
  close(): Promise<void>;
}
