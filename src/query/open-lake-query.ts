import { DuckDBLakeQuery } from './duckdb/duckdb-lake-query.js';
import type { LakeQuery, LakeQueryOptions } from './lake-query.js';

/**
 * Opens SQL over the lake under `dataDir` with the default engine (in-memory DuckDB,
 * reading the Parquet files read-only, so it runs beside a live lake writer).
 */
export function openLakeQuery(options: LakeQueryOptions): Promise<LakeQuery> {
  return DuckDBLakeQuery.open(options);
}
