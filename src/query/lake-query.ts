/**
 * SQL over the lake. The tables of the lake (`searches`, `offers`, `ingest_stats`,
 * `dead_letters`) are views over their Parquet files (the files visible now: a
 * compaction in progress never shows a row twice) with the Hive partition columns `vendor`, `dt` (DATE) and `hour`
 * (INTEGER), so a filter on them reads only the matching files. Values come back as
 * plain JSON-friendly values: numbers (or strings when a number would lose precision),
 * ISO strings for timestamps (`...Z`, UTC) and `YYYY-MM-DD` for dates, arrays and objects
 * for lists and structs.
 */

import type { LakeFiles } from './lake-files.js';

/** One result row, keyed by column name. */
export type Row = Record<string, unknown>;

/** A column of a result: name and SQL type as the engine spells it. */
export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

/** An open result: the columns are known at once, the rows arrive in batches. */
export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  /** Row batches in result order; each holds at most a few thousand rows. Iterate once. */
  batches(): AsyncIterable<Row[]>;
}

export interface LakeQuery {
  /** Runs `sql` and returns its columns and a one-shot iterator over row batches. Throws QueryError. */
  open(sql: string): Promise<QueryResult>;
  /** Rows of `sql` in batches, never the whole result in memory. Throws QueryError. */
  stream(sql: string): AsyncIterable<Row[]>;
  /** Every row of `sql`; for small results. Throws QueryError. */
  all(sql: string): Promise<Row[]>;
  /**
   * Writes the result of `sql` (one query, no trailing statements) to the Parquet file
   * `file` (zstd), streaming; the file appears whole or not at all (it is written under a
   * temporary name and renamed). Returns the number of rows. Throws QueryError.
   */
  toParquet(sql: string, file: string): Promise<number>;
  close(): Promise<void>;
}

/** Options of `DuckDBLakeQuery.open` (the composition root's `openLocalLake`). */
export interface LakeQueryOptions {
  /** The data directory; the lake is `<dataDir>/lake`. */
  dataDir: string;
  /** Where table files are found; default LocalLakeFiles on `<dataDir>/lake`. */
  files?: LakeFiles;
  /**
   * Also read the archive tier of a local lake (`<dataDir>/archive`, where
   * `faresight lake lifecycle` moves old partitions); default false. Ignored with `files`.
   */
  includeArchive?: boolean;
}
