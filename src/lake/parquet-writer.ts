/**
 * Turns decoded records into Parquet files of the lake tables. The contract is small so
 * that the engine (DuckDB today, anything that writes Parquet tomorrow) stays inside
 * its implementation folder (`duckdb/`).
 */
import type { LakeColumn, LakeTable } from './tables.js';

/**
 * A record with its stream position, as the lake writer hands it over. Shopping records
 * come as their stream bytes (`data`, the codec's framed Avro: the writer transcodes them
 * itself, which is much cheaper than decoding them into objects); the records of the side
 * streams come decoded (`record`: an IngestStatsRow or a DeadLetter, JSON-serialisable).
 */
export type LakeInput =
  | {
      readonly shard: number;
      readonly seq: number;
      readonly data: Uint8Array;
      readonly record?: undefined;
    }
  | {
      readonly shard: number;
      readonly seq: number;
      readonly record: object;
      readonly data?: undefined;
    };

/** One file to produce: the rows of `table` built from the given records, at local `path`. */
export interface ParquetOutput {
  readonly table: LakeTable;
  readonly path: string;
}

export interface ParquetWriter {
  /**
   * Writes one zstd-compressed Parquet file per output from `records` (in seq order, all
   * of the outputs' one source), with exactly the columns `columns(table)` gives. Files
   * are complete when it resolves; it does not fsync them (the object store does).
   * Throws ParquetWriteError when the records could not be written (the lake writer then
   * looks for a bad record among them); any other error (a helper thread that died, say)
   * is no record's fault, and the caller retries the write as it is. Calls may overlap
   * (with distinct output paths).
   */
  write(records: readonly LakeInput[], outputs: readonly ParquetOutput[]): Promise<void>;
  /** The columns this writer puts in `table`'s files: TABLE_COLUMNS, plus any it was configured to add. */
  columns(table: LakeTable): readonly LakeColumn[];
  close(): Promise<void>;
}
