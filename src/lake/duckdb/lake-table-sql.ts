/**
 * How DuckDB reads a lake table, written once for every engine over the lake (the query
 * engine, the ETL engine, the lake's own tests): `read_parquet` of the table's files with
 * the Hive partition columns typed as the lake declares them, and a typed empty SELECT
 * for a table that has no file yet.
 */
import { type LakeTable, PARTITION_COLUMNS, TABLE_COLUMNS } from '../tables.js';

/** A string as a SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

const HIVE_TYPES = `{${PARTITION_COLUMNS.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ')}}`;

/**
 * `read_parquet` of lake `files` (at least one): Hive partition columns (vendor, dt,
 * hour) typed as in the lake, and files of older schema versions read too (union_by_name).
 */
export function readLakeFiles(files: readonly string[]): string {
  return (
    `read_parquet([${files.map(sqlString).join(', ')}], ` +
    `hive_partitioning = true, union_by_name = true, hive_types = ${HIVE_TYPES})`
  );
}

/** A SELECT of no row with every column of `table`, partition columns included, typed. */
export function emptyLakeTable(table: LakeTable): string {
  const cols = [...TABLE_COLUMNS[table], ...PARTITION_COLUMNS]
    .map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`)
    .join(', ');
  return `SELECT ${cols} WHERE false`;
}

/** The SELECT a view of `table` over `files` reads: every row of the files, or none. */
export function lakeTableSelect(table: LakeTable, files: readonly string[]): string {
  return files.length > 0 ? `SELECT * FROM ${readLakeFiles(files)}` : emptyLakeTable(table);
}
