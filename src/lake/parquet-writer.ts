/**
 * Turns decoded records into Parquet files of the lake tables. The contract is small so
 * that the engine (DuckDB today, anything that writes Parquet tomorrow) stays inside
 * its implementation folder (`duckdb/`).
 */
import type { ShoppingRecord } from '../model/shopping-record.js';
import type { LakeTable } from './tables.js';

/** A record with its stream position, as the lake writer hands it over. */
export interface LakeInput {
  readonly shard: number;
  readonly seq: number;
  readonly record: ShoppingRecord;
}

/** One file to produce: the rows of `table` built from the given records, at local `path`. */
export interface ParquetOutput {
  readonly table: LakeTable;
  readonly path: string;
}

export interface ParquetWriter {
  /**
   * Writes one zstd-compressed Parquet file per output from `records` (in seq order),
   * with exactly the columns of TABLE_COLUMNS. Files are complete when it resolves; it
   * does not fsync them (the object store does). Throws ParquetWriteError.
   */
  write(records: readonly LakeInput[], outputs: readonly ParquetOutput[]): Promise<void>;
  close(): Promise<void>;
}
