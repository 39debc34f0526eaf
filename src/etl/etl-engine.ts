/**
 * The engine that runs job SQL over lake files, as the runner needs it; the DuckDB
 * implementation lives in `duckdb/` so the runner never imports the engine's SDK.
 */
import type { LakeTable } from '../lake/tables.js';
import type { JobDefinition } from './job.js';

/** Lake files per input table (absolute paths inside Hive partition directories). */
export type InputFiles = Partial<Record<LakeTable, readonly string[]>>;

/** What `build` wrote. */
export interface BuildResult {
  readonly rows: number;
  readonly bytes: number;
  /** Partition values (`YYYY-MM-DD`) that got at least one row. */
  readonly partitions: readonly string[];
  /**
   * The build did not fit in the engine's memory limit and was run again without one:
   * the first line of the error of the attempt within it.
   */
  readonly overLimit?: string;
}

/** A described output column. */
export interface OutputColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * `signal` of `affectedKeys` and `build`: when it aborts (the process is stopping), the
 * query in flight is interrupted and the call rejects; what a build wrote under `outDir`
 * is the runner's to remove.
 */
export interface EtlEngine {
  /** Distinct output partition values (`YYYY-MM-DD`) of the rows in `files`. */
  affectedKeys(job: JobDefinition, files: InputFiles, signal?: AbortSignal): Promise<string[]>;
  /**
   * Runs the job over `files`, keeps the rows whose partition value is in `keys`, and
   * writes them under `outDir` as `<partitionColumn>=<value>/data_0.parquet` (zstd).
   */
  build(
    job: JobDefinition,
    files: InputFiles,
    keys: readonly string[],
    outDir: string,
    signal?: AbortSignal,
  ): Promise<BuildResult>;
  /** Output columns of the job's SQL (run over empty inputs). */
  describe(job: JobDefinition): Promise<OutputColumn[]>;
  close(): Promise<void>;
}
